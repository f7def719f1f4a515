import { writeFile } from 'node:fs/promises';

/** A commented starter configuration. */
export const STARTER_CONFIG = `# dify-autoopt configuration. Values like \${DIFY_API_KEY} come from the environment or a .env
# file beside this one; \${VAR:-default} gives a default.
dify:
  # Your Dify's address (the console); \`simulator\` runs the built-in simulator instead.
  base_url: \${DIFY_BASE_URL:-http://localhost}
  # api_base: http://localhost/v1   # default: {base_url}/v1
  # email: you@example.com          # console login: variants, optimize, DSL export
  # password: \${DIFY_PASSWORD}

workflows:
  - id: my-workflow
    api_key: \${DIFY_API_KEY}
    # mode: auto                     # auto asks /v1/info; or workflow, advanced-chat, chat, completion
    # response_mode: streaming       # or blocking
    inputs:
      # A list gives one case per value; scalars repeat in every case.
      query: ["What is Dify?", "Summarise this in one line: {ID}"]
      language: en
    # combine: zip                   # zip (default), cartesian or pairwise for several lists
    # dataset: cases.csv             # or one case per row of a CSV / JSONL file
    # repeat: 3                      # run each case several times
    # reference: ["...", "..."]      # expected outputs, one per case
    # assert:
    #   - type: contains
    #     value: Dify
    # Prompt variants, side by side on a sandbox copy of the app (needs dify.email/password):
    # app_id: 3c1b...                 # the app's id in the console (only read)
    # variants:
    #   - name: current               # the app's prompts as they are
    #   - name: terse
    #     prompts:                    # <node id>.<field> -> text, or {file: path}
    #       llm_1.system: "Answer in one sentence."

execution:
  concurrency: 5
  # rate_limit: { per_minute: 60, burst: 5 }
  retry: { max_attempts: 3, backoff: 0.5 }
  timeout_per_task: 120
  # stop: { max_failures: 20 }

# store:   # relative to the project's root (the folder with package.json or .git)
#   path: .dify-autoopt/runs.db
`;

/** `dify-autoopt init`: writes the starter file; never overwrites one. */
export async function initConfig(file: string): Promise<void> {
  await writeFile(file, STARTER_CONFIG, { flag: 'wx' });
}
