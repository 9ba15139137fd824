import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPrompt, DEFAULT_TEMPLATE } from '../../src/core/erase/prompt';

test('a prompt lists the examples in order, then the query, and records the ids', () => {
  const p = renderPrompt(
    [
      { id: 'a', input: 'good film', output: 'positive' },
      { id: 'b', input: 'dull', output: 'negative' },
    ],
    'what a ride',
  );
  assert.deepEqual(p.ids, ['a', 'b']);
  assert.equal(p.text, 'Answer in the style of the examples.\n\nInput: good film\nOutput: positive\n\nInput: dull\nOutput: negative\n\nInput: what a ride\nOutput:');
  assert.equal(p.exampleTokens, 9);
});

test('placeholders inside example text are not expanded again', () => {
  const p = renderPrompt([{ id: 'x', input: 'say {query} and {output}', output: '$& $1' }], 'Q', DEFAULT_TEMPLATE);
  assert.ok(p.text.includes('Input: say {query} and {output}\nOutput: $& $1'));
});

test('without a query the prompt ends after the examples', () => {
  const p = renderPrompt([{ id: 'x', input: 'i', output: 'o' }], undefined, { ...DEFAULT_TEMPLATE, instruction: '' });
  assert.equal(p.text, 'Input: i\nOutput: o');
});
