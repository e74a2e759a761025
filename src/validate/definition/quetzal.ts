import type { Node } from 'jsonc-parser';
import type { VisitedState } from './asl.ts';
import type { Report } from './report.ts';
import { isJsonataString } from './jsonata.ts';
import { fieldMap, isObject, stringValue } from './tree.ts';
import { isLambdaArn, lambdaFunctionNameOf } from '../../ground/names.ts';
import { FolderListing, notebookProblem, type NotebookProblem } from '../notebook-path.ts';

/**
 * Rules specific to Quetzal models: each step is a Lambda invocation whose payload names the notebook to run,
 * relative to the model folder; steps call the model's own function (the first one calls the shared
 * `quetzal-api-auth` function).
 */
const SHARED_AUTH_FUNCTION = 'quetzal-api-auth';

export interface QuetzalContext {
  modelFolder: string;
  lambdaFunctionName?: string;
}

export class QuetzalChecker {
  readonly #report: Report;
  readonly #context: QuetzalContext;
  readonly #listing = new FolderListing();

  constructor(report: Report, context: QuetzalContext) {
    this.#report = report;
    this.#context = context;
  }

  checkState(state: VisitedState): void {
    if (state.type !== 'Task') return;
    const resource = stringValue(state.fields.get('Resource')?.value);
    if (resource === undefined) return;
    const viaIntegration = resource.startsWith('arn:') && resource.includes(':states:::lambda:invoke');
    const direct = !viaIntegration && (isLambdaArn(resource) || (resource.includes('${') && !resource.includes(':states:::')));
    if (!viaIntegration && !direct) return;
    const input = state.fields.get(state.queryLanguage === 'JSONata' ? 'Arguments' : 'Parameters')?.value;
    if (!isObject(input)) return;
    const inputFields = fieldMap(input);
    const payload = viaIntegration ? inputFields.get('Payload')?.value : input;
    if (isObject(payload)) {
      const notebook = fieldMap(payload).get('notebook_path')?.value;
      if (notebook) this.#checkNotebook(state.name, notebook);
    }
    if (viaIntegration) {
      const functionName = inputFields.get('FunctionName')?.value;
      if (functionName) this.#checkFunctionName(state.name, functionName);
    }
  }

  #checkNotebook(stateName: string, node: Node): void {
    const report = this.#report;
    const value = stringValue(node);
    if (value === undefined) {
      report.error('quetzal/notebook-path', node.offset, `"notebook_path" of state "${stateName}" must be a string naming a notebook (e.g. "notebooks/A10_step.ipynb").`);
      return;
    }
    if (value.includes('${') || value.includes('<') || isJsonataString(value)) return; // filled in later
    const { problem, full } = notebookProblem(value, this.#context.modelFolder, this.#listing);
    const messages: Record<NotebookProblem, string> = {
      'not-a-notebook': `"notebook_path" of state "${stateName}" is "${value}", which is not a notebook: name a .ipynb (or .py) file of the model folder.`,
      backslashes: `"notebook_path" of state "${stateName}" is "${value}", with backslashes: the Lambda runs Linux, which reads them as part of the name. Write "${value.replace(/\\/g, '/')}".`,
      outside: `"notebook_path" of state "${stateName}" is "${value}", which is outside the model folder: give a path relative to the model folder (e.g. "notebooks/A10_step.ipynb").`,
      missing: `Notebook "${value}" of state "${stateName}" does not exist in the model folder (looked for ${full}): fix "notebook_path" or add the notebook.`,
    };
    if (problem !== undefined) report.error(problem === 'missing' ? 'quetzal/notebook-missing' : 'quetzal/notebook-path', node.offset, messages[problem]);
  }

  #checkFunctionName(stateName: string, node: Node): void {
    const expected = this.#context.lambdaFunctionName;
    const value = stringValue(node);
    if (!expected || value === undefined || isJsonataString(value)) return;
    const name = lambdaFunctionNameOf(value);
    if (name.includes('${') || name.includes('<')) return; // filled in at deploy, or a template leftover
    if (name === SHARED_AUTH_FUNCTION || name === lambdaFunctionNameOf(expected)) return;
    this.#report.warning('quetzal/function-name', node.offset, `State "${stateName}" invokes the Lambda function "${name}", not the model's function "${lambdaFunctionNameOf(expected)}": check "FunctionName" (use "\${LambdaFunctionArn}" to always call the model's function).`);
  }
}

const HARD_CODED_ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d)?:(\d{12})?:/;

/** Notice for an ARN with a literal region or account id: the definition then only works in that account. */
export function checkHardCodedArn(report: Report, node: Node, value: string): void {
  if (!value.startsWith('arn:')) return;
  const match = HARD_CODED_ARN.exec(value);
  if (!match || (!match[1] && !match[2])) return;
  const parts: string[] = [];
  const fixes: string[] = [];
  if (match[1]) {
    parts.push(`region "${match[1]}"`);
    fixes.push('"${Region}"');
  }
  if (match[2]) {
    parts.push(`account id "${match[2]}"`);
    fixes.push('"${AccountId}"');
  }
  report.notice('quetzal/hardcoded-arn', node.offset, `This ARN hard-codes the ${parts.join(' and ')}: write ${fixes.join(' and ')} instead (filled in at deploy) so that the definition works in any account and region.`);
}
