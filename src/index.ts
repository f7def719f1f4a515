// The public API of dify-autoopt, named export by export.
export { AutoOptError, type AutoOptErrorOptions } from './core/autoopt-error.js';
export { systemClock, sleep, type Clock, type TimerHandle } from './core/clock.js';
export { readRetryHints, type RetryHints } from './core/retry-hints.js';
export { AdaptiveConcurrency } from './executor/adaptive-concurrency.js';
export { computeBackoffMs } from './executor/backoff.js';
export { CancellationToken } from './executor/cancellation-token.js';
export { classifyFailure, type FailureClass } from './executor/classify-failure.js';
export { ConcurrentExecutor } from './executor/concurrent-executor.js';
export {
  executionPolicySchema,
  parseExecutionPolicy,
  type ExecutionPolicy,
  type ExecutionPolicyInput,
  type RetryPolicy,
} from './executor/execution-policy.js';
export {
  ExecutorBase,
  type ExecutionContext,
  type ExecutorOptions,
  type RunOptions,
} from './executor/executor-base.js';
export {
  CancelledError,
  ExecutorError,
  InvalidTransitionError,
  NonRetryableError,
  PolicyValidationError,
  RateLimitError,
  SchedulerError,
  TaskExecutionError,
  TaskTimeoutError,
  type PolicyIssue,
} from './executor/executor-error.js';
export type { ExecutorObserver, TaskFunction } from './executor/executor-observer.js';
export { RateLimiter, type RateLimiterOptions } from './executor/rate-limiter.js';
export type { RateLimit } from './executor/rate-limit.js';
export type { ConcurrencyLimit } from './executor/concurrency-limit.js';
export type { RunExecutionResult, RunManifest } from './executor/run-execution-result.js';
export { percentile } from './stats/percentile.js';
export {
  computeRunStatistics,
  type LatencyStatistics,
  type RunStatistics,
} from './executor/run-statistics.js';
export { createTaskResult, type TaskResult, type TaskTimings } from './executor/task-result.js';
export { TaskScheduler } from './executor/task-scheduler.js';
export {
  TaskStatus,
  assertTransition,
  canTransition,
  isSuccessStatus,
  isTerminalStatus,
  type TerminalTaskStatus,
} from './executor/task-status.js';
export { Task, createTask, type TaskError, type TestCase } from './executor/task.js';
export { createSeededRandom } from './core/seeded-random.js';
export {
  DifyConsoleClient,
  type ConsoleCallOptions,
  type DslImportResult,
  type WorkflowDraft,
} from './dify/console-client.js';
export {
  DifyClient,
  type CallOptions,
  type ChatMessageRequest,
  type CompletionMessageRequest,
  type DifyAppInfo,
  type DifyClientOptions,
  type DifyFileInput,
  type DifyInputField,
  type DifyLogPage,
  type DifyParameters,
  type DifyRunDetail,
  type DifyUploadedFile,
  type ResponseMode,
  type WorkflowRunRequest,
} from './dify/dify-client.js';
export {
  DifyError,
  parseConcurrencyLimit,
  parseRetryAfter,
  toDifyError,
  type DifyCallContext,
} from './dify/dify-error.js';
export { nodeHttpFetch, type Fetch, type HttpResponse } from './dify/http-transport.js';
export type { DifyNodeTrace, DifyRunResult, DifyRunStatus } from './dify/dify-run-result.js';
export { DslDocument, DslError, type DslPrompt } from './dify/dsl-document.js';
export { RunAssembler } from './dify/run-assembler.js';
export { SseDecoder, type SseFrame } from './dify/sse-decoder.js';
export type { SimFault, SimFaultRule } from './simulator/fault-plan.js';
export {
  SimulatorConfigError,
  loadSimulatorConfig,
  resolveSimulatorConfig,
  simulatorConfigSchema,
  type SimAppConfig,
  type SimulatorConfig,
  type SimulatorConfigInput,
} from './simulator/simulator-config.js';
export { DifySimulator, type SimulatorStats } from './simulator/simulator-server.js';

// The main job: configuration, the run store, runs, grading and reports.
export {
  apiBaseOf,
  configSchema,
  type Config,
  type JudgeConfig,
  type WorkflowConfig,
} from './config/config-schema.js';
export { ConfigError } from './config/config-error.js';
export { loadConfig, parseConfig, type LoadedConfig } from './config/load-config.js';
export {
  RunStore,
  type CachedJudgement,
  type CaseRecord,
  type ResultRecord,
  type RunRecord,
  type RunState,
} from './store/run-store.js';
export { StoreError } from './store/store-error.js';
export { runSuite, type RunSuiteOptions, type SuiteSummary } from './run/run-suite.js';
export { RunNotFoundError } from './run/run-not-found-error.js';
export { RunProgress, type ProgressSnapshot } from './run/run-progress.js';
export { JudgeRunner, type JudgeUsage, type ModelJudge } from './run/judge-runner.js';
export {
  ASSERTION_TYPES,
  assertionSchema,
  gradingSchema,
  type AssertionConfig,
  type AssertionType,
  type GradingConfig,
} from './assertions/assertion-schema.js';
export type {
  Assertion,
  CheckFn,
  Grade,
  GradeContext,
  GradeInput,
  Judge,
  Judgement,
  Score,
} from './assertions/assertion.js';
export { ASSERTIONS } from './assertions/assertion-registry.js';
export { AssertionError } from './assertions/assertion-error.js';
export {
  CaseGrader,
  assertionLabel,
  pickOutput,
  type CaseOutcome,
  type CaseVerdict,
} from './assertions/case-grader.js';
export { classify, type GradeClass } from './assertions/grade-class.js';
export { JudgeError } from './assertions/judge-error.js';
export { OpenAiJudge, parseVerdict, type OpenAiJudgeOptions } from './assertions/openai-judge.js';
export { compareRuns, type CaseChange, type RunComparison } from './report/compare-runs.js';
export { distribution, variance, type Distribution } from './stats/distribution.js';
export { mcnemarExactP, pairedDifferenceInterval } from './stats/mcnemar.js';
export { passAtK } from './stats/pass-at-k.js';
export {
  computeSuiteStatistics,
  type AssertionStatistics,
  type GroupStatistics,
  type NodeStatistics,
  type RepeatStatistics,
  type SuiteStatistics,
} from './report/suite-statistics.js';
export { loadRunReport, type RunReport } from './report/run-report.js';
export { REPORT_FORMATS } from './report/report-registry.js';
export type { ReportFormat, ReportFormatEntry, ReportWriter } from './report/report-writer.js';
export { renderHtmlReport } from './report/html-report.js';
export {
  ReportFormatError,
  reportFileName,
  reportFormatOf,
  writeReport,
} from './report/write-report.js';
