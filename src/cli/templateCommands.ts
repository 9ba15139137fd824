// `erase template`: shows the prompt template and model options of the workspace, or changes and saves them.
import { DEFAULT_TEMPLATE, UserError, checkGeneration, savePromptSettings, templateVersion, type GenerationSettings, type PromptTemplate } from '../core';
import { parse } from './args';
import type { Command } from './commands';
import { GENERATION_FLAGS, generationFlags } from './generationArgs';
import { openWorkspace } from './openWorkspace';
import { EXIT_OK } from './output';

const TEMPLATE_FLAGS = {
  system: { type: 'string' },
  instruction: { type: 'string' },
  example: { type: 'string' },
  'query-format': { type: 'string' },
  separator: { type: 'string' },
  reset: { type: 'boolean' },
} as const;

function show(t: PromptTemplate, g: GenerationSettings, version: string): string {
  const q = (s: string) => JSON.stringify(s);
  const opt = (name: string, v: unknown) => `  ${name.padEnd(12)} ${v === undefined ? '(server default)' : String(v)}`;
  return [
    `template (version ${version}):`,
    `  system       ${q(t.system)}`,
    `  instruction  ${q(t.instruction)}`,
    `  example      ${q(t.example)}`,
    `  query        ${q(t.query)}`,
    `  separator    ${q(t.separator)}`,
    'model options:',
    opt('api', g.api),
    opt('temperature', g.temperature),
    opt('top-p', g.topP),
    opt('seed', g.seed),
    opt('num-ctx', g.numCtx),
    opt('max-tokens', g.numPredict),
    opt('think', g.think ? 'on' : 'off'),
  ].join('\n');
}

export const templateCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' }, ...TEMPLATE_FLAGS, ...GENERATION_FLAGS });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  const fields: Partial<PromptTemplate> = Object.fromEntries(
    (
      [
        ['system', values.system],
        ['instruction', values.instruction],
        ['example', values.example],
        ['query', values['query-format']],
        ['separator', values.separator],
      ] as const
    ).filter(([, v]) => v !== undefined),
  );
  const genChanges = generationFlags(values);
  const changing = values.reset || Object.keys(fields).length > 0 || Object.keys(genChanges).length > 0;
  if (changing) {
    if (values.reset && Object.keys(fields).length) throw new UserError('--reset restores the default template: give it alone, or give the fields to change', 'usage');
    const template: PromptTemplate = values.reset ? DEFAULT_TEMPLATE : { ...ws.config.template, ...fields };
    const generation: GenerationSettings = { ...ws.config.generation, ...genChanges };
    checkGeneration(generation);
    savePromptSettings(ws, { template, generation });
  }
  const { template, generation } = ws.config;
  const version = templateVersion(template);
  out.result({ template, templateVersion: version, generation, saved: changing }, (changing ? 'saved to .erase/config.json\n' : '') + show(template, generation, version));
  return EXIT_OK;
};
