// Validates a JUnit file as CI servers read it: well-formed XML valid against
// test/fixtures/junit.xsd (libxml2's validator, compiled to WebAssembly: xmllint-wasm),
// then what a schema cannot say: each suite's tests / failures / errors / skipped
// agree with its test cases, the root's with the sum of its suites, and every failure
// and error has a message and a text. Returns the problems found (none: valid).
import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';

const XSD = readFileSync(new URL('./fixtures/junit.xsd', import.meta.url), 'utf8');
const COUNTS = ['tests', 'failures', 'errors', 'skipped'] as const;

const attr = (tag: string, name: string): string | undefined => tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
const num = (tag: string, name: string): number => Number(attr(tag, name) ?? 0);

export async function junitProblems(xml: string): Promise<string[]> {
  const v = await validateXML({ xml: { fileName: 'junit.xml', contents: xml }, schema: { fileName: 'junit.xsd', contents: XSD } });
  if (!v.valid) return v.errors.map((e) => `${e.loc ? `line ${e.loc.lineNumber}: ` : ''}${e.message}`);
  // the document is well-formed and valid: element tags can be told apart from text (which has < escaped)
  const problems: string[] = [];
  const root = xml.match(/<testsuites\b[^>]*>/)?.[0] ?? '';
  const suites = [...xml.matchAll(/(<testsuite\b[^>]*>)([\s\S]*?)<\/testsuite>/g)];
  const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const [, tag = '', body = ''] of suites) {
    const got = {
      tests: (body.match(/<testcase\b/g) ?? []).length,
      failures: (body.match(/<failure\b/g) ?? []).length,
      errors: (body.match(/<error\b/g) ?? []).length,
      skipped: (body.match(/<skipped\b/g) ?? []).length,
    };
    for (const k of COUNTS) {
      if (num(tag, k) !== got[k]) problems.push(`testsuite ${attr(tag, 'name')}: ${k}="${attr(tag, k)}" but it holds ${got[k]}`);
      total[k] += got[k];
    }
    for (const [, kind, , text] of body.matchAll(/<(failure|error)\b([^>]*)>([\s\S]*?)<\/\1>/g)) if (!text?.trim()) problems.push(`a <${kind}> with no text`);
    if (/<(failure|error)\b[^>]*\/>/.test(body)) problems.push('a <failure> or <error> with no text');
  }
  for (const k of COUNTS) if (num(root, k) !== total[k]) problems.push(`testsuites: ${k}="${attr(root, k)}" but its suites hold ${total[k]}`);
  return problems;
}
