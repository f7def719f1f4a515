import XmlBuilder from 'fast-xml-builder';
import { resultPassed } from '../store/result-facts.js';
import { failureReasons, outputOf } from './report-rows.js';
import type { ReportWriter } from './report-writer.js';

// XML 1.0 cannot carry these characters even escaped.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const clean = (value: string): string => value.replace(NOT_XML, '\uFFFD');
const secondsOf = (ms: number | null): string => ((ms ?? 0) / 1000).toFixed(3);

/**
 * JUnit XML: one test suite per workflow, one test case per case; a case that did not pass is a
 * `failure` (its assertions' reasons) or, when Dify or the run failed it, an `error`.
 */
export const junitReport: ReportWriter = {
  render(report) {
    const suites = new Map<string, Record<string, unknown>[]>();
    for (const result of report.results) {
      const testcase: Record<string, unknown> = {
        // The variant in the name: CI tools key tests by name, and each variant is a test.
        '@_name': result.variant === null ? result.caseId : `${result.caseId} [${result.variant}]`,
        '@_classname': `dify-autoopt.${result.workflowId}`,
        '@_time': secondsOf(result.durationMs),
      };
      const passed = resultPassed(result);
      if (result.status === 'cancelled') testcase.skipped = { '@_message': 'cancelled' };
      else if (!passed) {
        const reasons = clean(failureReasons(result).join('\n'));
        const kind = result.status === 'succeeded' ? 'failure' : 'error';
        testcase[kind] = {
          '@_message': clean(reasons.split('\n')[0] ?? result.status),
          '@_type': result.errorCode ?? (kind === 'failure' ? 'assertion' : result.status),
          '#text': reasons,
        };
      }
      testcase['system-out'] = clean(outputOf(result));
      const list = suites.get(result.workflowId) ?? [];
      list.push(testcase);
      suites.set(result.workflowId, list);
    }
    const testsuite = [...suites].map(([workflowId, testcases]) => ({
      '@_name': workflowId,
      '@_tests': String(testcases.length),
      '@_failures': String(testcases.filter((t) => 'failure' in t).length),
      '@_errors': String(testcases.filter((t) => 'error' in t).length),
      '@_skipped': String(testcases.filter((t) => 'skipped' in t).length),
      '@_time': secondsOf(
        report.results
          .filter((r) => r.workflowId === workflowId)
          .reduce((sum, r) => sum + (r.durationMs ?? 0), 0),
      ),
      testcase: testcases,
    }));
    const builder = new XmlBuilder({
      ignoreAttributes: false,
      format: true,
      suppressEmptyNode: true,
    });
    const xml: string = builder.build({
      testsuites: {
        '@_name': `dify-autoopt run ${report.run.id}`,
        '@_tests': String(report.results.length),
        '@_failures': String(testsuite.reduce((s, t) => s + Number(t['@_failures']), 0)),
        '@_errors': String(testsuite.reduce((s, t) => s + Number(t['@_errors']), 0)),
        '@_time': secondsOf(report.statistics.overall.wallMs),
        testsuite,
      },
    });
    return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  },
};
