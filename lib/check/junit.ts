// A check report as JUnit XML, the format CI systems (GitHub Actions, GitLab, Jenkins) read for test results.
import type { CheckReport, CheckStepResult, CheckSuiteResult } from '../../types/check'

/** Characters XML 1.0 cannot carry at all (controls, lone surrogates, U+FFFE/U+FFFF): replaced, not escaped. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** Text made safe for an XML attribute or element: markup characters escaped, impossible characters replaced. */
export function xmlText(text: string): string {
  return text
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

const seconds = (ms: number) => (ms / 1000).toFixed(3)

/** The body of a <failure>: the problems, what was sent and what came back (already masked by the run). */
function failureText(step: CheckStepResult): string {
  const failure = step.failure
  if (failure === undefined) return ''
  const lines = [
    ...failure.problems.map((p) => `- ${p}`),
    '',
    `${failure.request.method} ${failure.request.url}`,
  ]
  for (const [name, value] of Object.entries(failure.request.headers)) lines.push(`${name}: ${value}`)
  if (failure.request.body !== undefined) lines.push('', failure.request.body)
  if (failure.response !== undefined) {
    lines.push('', `HTTP ${failure.response.status}`)
    for (const [name, value] of Object.entries(failure.response.headers)) lines.push(`${name}: ${value}`)
    lines.push('', failure.response.excerpt)
  }
  return lines.join('\n')
}

function testCase(suite: CheckSuiteResult, step: CheckStepResult): string {
  const name = `${String(step.index).padStart(2, '0')}. ${step.name}`
  const open = `    <testcase classname="${xmlText(suite.name)}" name="${xmlText(name)}" time="${seconds(step.durationMs)}"`
  if (step.outcome === 'passed') return `${open}/>`
  if (step.outcome === 'skipped') {
    const why = suite.notServed
      ? `the server does not serve ${suite.notServed.join(', ')}`
      : 'an earlier step failed or the run was interrupted'
    return `${open}>\n      <skipped message="not run: ${xmlText(why)}"/>\n    </testcase>`
  }
  const message = step.failure?.problems[0] ?? 'failed'
  return `${open}>\n      <failure message="${xmlText(message)}" type="mismatch">${xmlText(failureText(step))}</failure>\n    </testcase>`
}

/** The report as one JUnit XML document: a <testsuite> per suite, a <testcase> per step, plus the cleanup. */
export function junitXml(report: CheckReport): string {
  const suites = report.suites.map((suite) => {
    const count = (outcome: CheckStepResult['outcome']) =>
      suite.steps.filter((s) => s.outcome === outcome).length
    return [
      `  <testsuite name="${xmlText(suite.name)}" tests="${suite.steps.length}" failures="${count('failed')}" errors="0" skipped="${count('skipped')}" time="${seconds(suite.durationMs)}" timestamp="${report.startedAt.slice(0, 19)}">`,
      `    <properties>\n      <property name="title" value="${xmlText(suite.title)}"/>\n      <property name="source" value="${xmlText(suite.source)}"/>\n    </properties>`,
      ...suite.steps.map((step) => testCase(suite, step)),
      '  </testsuite>',
    ].join('\n')
  })
  const leftovers = report.cleanup.filter((item) => !item.deleted)
  if (report.cleanup.length > 0) {
    const cases = report.cleanup.map((item) =>
      item.deleted
        ? `    <testcase classname="cleanup" name="DELETE ${xmlText(item.path)}" time="0.000"/>`
        : `    <testcase classname="cleanup" name="DELETE ${xmlText(item.path)}" time="0.000">\n      <failure message="${xmlText(item.error ?? 'not deleted')}" type="cleanup"/>\n    </testcase>`,
    )
    suites.push(
      [
        `  <testsuite name="cleanup" tests="${report.cleanup.length}" failures="${leftovers.length}" errors="0" skipped="0" time="0.000">`,
        ...cases,
        '  </testsuite>',
      ].join('\n'),
    )
  }
  const tests = report.passed + report.failed + report.skipped - leftovers.length + report.cleanup.length
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="express-scim check" tests="${tests}" failures="${report.failed}" errors="0" skipped="${report.skipped}" time="${seconds(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n')
}
