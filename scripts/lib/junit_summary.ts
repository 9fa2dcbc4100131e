/**
 * Counts the outcome of a `deno test --junit-path` report.
 *
 * Deno writes one `<testcase>` per test and one per test step; a case that holds a
 * `<failure>` or `<error>` failed, one that holds `<skipped/>` was ignored, any other passed.
 * Only that subset of JUnit XML is read, so a small scanner is enough and no XML package is
 * needed.
 */

/** What one JUnit report says happened. */
export interface JunitSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** `file > test name` of every failed case, in report order. */
  failures: string[];
  /** `file > test name` of every skipped case (the name says why), in report order. */
  skips: string[];
}

const TESTCASE = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
const ATTRIBUTE = /([\w:-]+)="([^"]*)"/g;
const ENTITIES: Record<string, string> = {
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&apos;": "'",
  "&amp;": "&",
};

/** Returns a summary with every count at zero. */
export function emptySummary(): JunitSummary {
  return { passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
}

/** Adds two summaries (e.g. the SQLite pass and the MySQL pass). */
export function addSummaries(a: JunitSummary, b: JunitSummary): JunitSummary {
  return {
    passed: a.passed + b.passed,
    failed: a.failed + b.failed,
    skipped: a.skipped + b.skipped,
    failures: [...a.failures, ...b.failures],
    skips: [...a.skips, ...b.skips],
  };
}

/**
 * Parses the text of a JUnit report written by `deno test --junit-path`.
 *
 * @throws {SyntaxError} when the text is not such a report (no `<testsuites>` root).
 */
export function parseJunit(xml: string): JunitSummary {
  if (!/<testsuites\b/.test(xml)) {
    throw new SyntaxError("Cannot parse JUnit report: no <testsuites> element");
  }
  const summary = emptySummary();
  for (const match of xml.matchAll(TESTCASE)) {
    const attributes = _attributes(match[1] ?? "");
    const body = match[3] ?? "";
    if (/<(failure|error)\b/.test(body)) {
      summary.failed++;
      const file = attributes.get("classname") ?? "?";
      summary.failures.push(`${file} > ${attributes.get("name") ?? "?"}`);
    } else if (/<skipped\b/.test(body)) {
      summary.skipped++;
      summary.skips.push(
        `${attributes.get("classname") ?? "?"} > ${attributes.get("name") ?? "?"}`,
      );
    } else {
      summary.passed++;
    }
  }
  return summary;
}

/** Formats the closing line CI reads: `N passed, N failed` (`, N skipped` when any). */
export function formatSummaryLine(summary: JunitSummary): string {
  const skipped = summary.skipped > 0 ? `, ${summary.skipped} skipped` : "";
  return `${summary.passed} passed, ${summary.failed} failed${skipped}`;
}

function _attributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [, key, value] of text.matchAll(ATTRIBUTE)) {
    if (key !== undefined && value !== undefined) attributes.set(key, _unescape(value));
  }
  return attributes;
}

function _unescape(text: string): string {
  return text.replace(
    /&(?:lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g,
    (entity, dec?: string, hex?: string) => {
      if (dec !== undefined) return String.fromCodePoint(Number(dec));
      if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
      return ENTITIES[entity] ?? entity;
    },
  );
}
