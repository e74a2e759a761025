/**
 * The picture of a run: the model's definition as a Mermaid flowchart, its states marked with the run's findings
 * (validate) and with what the deploy changes against the deployed definition (plan and deploy modes).
 */
import { parse } from 'jsonc-parser';
import { mdFence } from '../ground/markdown.ts';
import { drawDefinition, findingMarks, stateChanges, type Picture, type StateKey, type StateMark } from '../picture/index.ts';
import type { RunResult } from './run.ts';

export function pictureOf(result: Pick<RunResult, 'validation' | 'definitionFile' | 'comparison' | 'rollbackTo'>): Picture | undefined {
  if (result.rollbackTo !== undefined) {
    // A rollback puts back the release's definition, not the checkout's: that is the one drawn.
    if (result.comparison === undefined) return undefined;
    const { marks, removed } = stateChanges(result.comparison.deployed, result.comparison.planned);
    return drawDefinition(result.comparison.planned, { marks, removed });
  }
  const text = result.validation.definitionText;
  if (text === undefined) return undefined;
  const definition = parsedTolerantly(text);
  if (definition === undefined) return undefined;
  const marks = new Map<StateKey, StateMark>();
  let removed: Array<{ key: StateKey; name: string }> = [];
  if (result.comparison) {
    const changes = stateChanges(result.comparison.deployed, result.comparison.planned);
    for (const [key, mark] of changes.marks) marks.set(key, mark);
    removed = changes.removed;
  }
  // A finding says more than a change: an error or a warning wins the state's one mark.
  for (const [key, mark] of findingMarks(text, result.validation.findings, result.definitionFile)) marks.set(key, mark);
  return drawDefinition(definition, { marks, removed });
}

/** JSON.parse, ten times faster on a large file; a file it refuses is read as far as it goes. */
function parsedTolerantly(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return parse(text, [], { allowTrailingComma: true }) as unknown;
  }
}

/** The picture as Markdown: a mermaid block (GitHub draws it), its legend and its note. */
export function pictureMarkdown(picture: Picture | undefined): string[] {
  if (picture === undefined) return [];
  const lines = ['### The pipeline', ''];
  if (picture.mermaid !== undefined) lines.push(mdFence('mermaid', picture.mermaid.split('\n')), '');
  if (picture.legend !== '') lines.push(picture.legend, '');
  if (picture.note !== undefined) lines.push(`> ${picture.note}`, '');
  return lines;
}
