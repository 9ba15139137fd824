import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPrompt, checkTemplate } from '../../src/core/erase/prompt';
import { DEFAULT_TEMPLATE, describeIssue, migrateTemplate, templateIssues, templateVersion, type PromptTemplate } from '../../src/core/prompt/template';
import { UserError } from '../../src/core/errors';

const ex = [{ id: 'a', input: 'good {film}', output: 'positive' }];
const t = (over: Partial<PromptTemplate>): PromptTemplate => ({ ...DEFAULT_TEMPLATE, ...over });

test('every field of the template reaches the text: instruction, example format, query format, separator, system prompt', () => {
  const p = renderPrompt(ex, 'Q', t({ instruction: 'Classify.', example: '<{input}> => {output}', query: '<{query}> =>', separator: '\n---\n', system: 'You are terse.' }));
  assert.equal(p.text, 'Classify.\n---\n<good {film}> => positive\n---\n<Q> =>');
  assert.equal(p.system, 'You are terse.');
  assert.deepEqual(p.ids, ['a']);
});

test('{{ and }} are literal braces, in every field', () => {
  const p = renderPrompt(ex, 'Q', t({ instruction: 'Answer as {{"label": …}}', example: '{{{input}}} {output}', system: 'JSON {{}}' }));
  assert.equal(p.text.split('\n\n')[0], 'Answer as {"label": …}');
  assert.equal(p.text.split('\n\n')[1], '{good {film}} positive');
  assert.equal(p.system, 'JSON {}');
});

test('an unknown placeholder is an error naming the field, line and column', () => {
  const issues = templateIssues(t({ example: 'Input: {input}\nOutput: {ouptut}' }));
  assert.equal(issues.length, 2); // the typo, and {output} missing
  assert.deepEqual([issues[0].field, issues[0].line, issues[0].column], ['example', 2, 9]);
  assert.match(describeIssue(issues[0]), /^example format, line 2, column 9: unknown placeholder \{ouptut\}: the example format takes \{input\} and \{output\}/);
  assert.throws(
    () => renderPrompt(ex, 'Q', t({ query: 'Q: {input}' })),
    (e: unknown) => e instanceof UserError && /query format, line 1, column 4: unknown placeholder \{input\}/.test(e.message) && !e.message.includes('\n'),
  );
  // a placeholder of another field is unknown in this one; no field takes placeholders it does not list
  assert.equal(templateIssues(t({ instruction: 'use {query}' }))[0].message.startsWith('unknown placeholder {query}: the instruction takes no placeholder'), true);
});

test('a lone brace and a missing required placeholder are errors', () => {
  assert.match(templateIssues(t({ instruction: 'a { b' }))[0].message, /lone "\{"/);
  assert.match(templateIssues(t({ separator: '}' }))[0].message, /lone "\}"/);
  assert.match(templateIssues(t({ query: 'no query here' }))[0].message, /must contain \{query\}/);
  assert.doesNotThrow(() => checkTemplate(DEFAULT_TEMPLATE));
});

test('example text is inserted as it is: braces and placeholders inside the data are not expanded', () => {
  const p = renderPrompt([{ id: 'x', input: 'say {query} and {{x}}', output: '$& $1' }], 'Q');
  assert.ok(p.text.includes('Input: say {query} and {{x}}\nOutput: $& $1'));
});

test('the older stored template (no format key) is migrated so that it renders the same text', () => {
  const legacy = { instruction: 'Reply in {json} with { and }', example: 'In: {input} {label}\nOut: {output}', query: 'In: {query}\nOut:', separator: '\n\n' };
  const m = migrateTemplate(legacy);
  assert.equal(m.format, 1);
  assert.equal(m.instruction, 'Reply in {{json}} with {{ and }}');
  assert.equal(m.example, 'In: {input} {{label}}\nOut: {output}');
  assert.equal(m.system, '');
  assert.deepEqual(templateIssues(m), []);
  const p = renderPrompt(ex, 'Q', m);
  assert.equal(p.text, 'Reply in {json} with { and }\n\nIn: good {film} {label}\nOut: positive\n\nIn: Q\nOut:');
  // a stored template of the current format is taken as it is (its errors are reported, not rewritten)
  assert.equal(migrateTemplate({ ...DEFAULT_TEMPLATE, instruction: '{oops}' }).instruction, '{oops}');
  assert.deepEqual(migrateTemplate(undefined), DEFAULT_TEMPLATE);
});

test('the template version changes with any field and is recorded in the rendered prompt', () => {
  const v = templateVersion(DEFAULT_TEMPLATE);
  assert.match(v, /^[0-9a-f]{16}$/);
  for (const f of ['system', 'instruction', 'example', 'query', 'separator'] as const) assert.notEqual(templateVersion(t({ [f]: DEFAULT_TEMPLATE[f] + ' ' })), v, f);
  assert.equal(renderPrompt(ex, 'Q').templateVersion, v);
});
