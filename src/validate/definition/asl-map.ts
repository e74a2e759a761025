/**
 * The Map state's processing mode and its Distributed-mode configuration objects (ItemReader, ItemBatcher,
 * ResultWriter), as the Step Functions developer guide describes them:
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html (the fields of an Inline Map),
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html (the fields of a Distributed Map),
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html, input-output-itembatcher.html
 * and input-output-resultwriter.html. The checks shared with the rest of the walk come in through MapContext.
 */
import type { Node } from 'jsonc-parser';
import type { QueryLanguage } from './asl-fields.ts';
import { isJsonataString } from './jsonata.ts';
import type { Report } from './report.ts';
import { isPlaceholder } from './substitutions.ts';
import { type Field, describeType, fieldMap, isObject, stringValue } from './tree.ts';

export interface MapContext {
  report: Report;
  language: QueryLanguage;
  /** An integer field in [minimum, maximum]; a placeholder, or a {% %} expression under JSONata, is accepted. */
  integer(field: Field | undefined, minimum: number, maximum: number): void;
  /** A `...Path` field: a Reference Path. */
  referencePath(field: Field | undefined): void;
  /** A JSONPath payload template (`"key.$"` values). */
  payloadTemplate(node: Node): void;
  /** Reports the second of two fields that cannot both be set. */
  exclusive(fields: Map<string, Field>, a: string, b: string): void;
}

/** Fields a Map state only has in Distributed mode (they are not among the fields of an Inline Map). */
const DISTRIBUTED_ONLY = ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailureCount', 'ToleratedFailureCountPath', 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 'Label'];
const MAX_READER_ITEMS = 100_000_000;
const MAX_BATCH_BYTES = 262_144;
const MAX_INTEGER = 99_999_999;
const LABEL_MAX = 40;
/** Characters a label may not hold besides white space and control characters. */
const LABEL_FORBIDDEN = '?*<>{}[]:;,\\|^~$#%&`"';

type Mode = 'INLINE' | 'DISTRIBUTED' | undefined;

/** The processing mode set in ItemProcessor.ProcessorConfig.Mode (INLINE when absent), undefined when unknown. */
function modeOf(context: MapContext, processor: Field | undefined): Mode {
  if (!processor || !isObject(processor.value)) return 'INLINE';
  const config = fieldMap(processor.value).get('ProcessorConfig');
  if (!config?.value) return 'INLINE';
  if (!isObject(config.value)) {
    if (!isPlaceholder(config.value.value)) context.report.error('asl/field-type', config.value.offset, `"ProcessorConfig" must be an object such as {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, not ${describeType(config.value)}.`);
    return undefined;
  }
  const configFields = fieldMap(config.value);
  const mode = configFields.get('Mode');
  if (!mode?.value) return 'INLINE';
  const value = stringValue(mode.value);
  if (value === 'INLINE') return 'INLINE';
  if (value === 'DISTRIBUTED') {
    const executionType = configFields.get('ExecutionType');
    if (!executionType) {
      context.report.error('asl/map-mode', mode.key.offset, 'A Distributed Map needs "ExecutionType" in its "ProcessorConfig": add "ExecutionType": "STANDARD" or "EXPRESS".');
    } else if (executionType.value && !isPlaceholder(executionType.value.value) && executionType.value.value !== 'STANDARD' && executionType.value.value !== 'EXPRESS') {
      context.report.error('asl/map-mode', executionType.value.offset, `"ExecutionType" must be "STANDARD" or "EXPRESS", not ${describeType(executionType.value)}.`);
    }
    return 'DISTRIBUTED';
  }
  if (!isPlaceholder(value)) context.report.error('asl/map-mode', mode.value.offset, `"Mode" of a Map's "ProcessorConfig" must be "INLINE" or "DISTRIBUTED", not ${describeType(mode.value)}.`);
  return undefined;
}

/** The mode of the Map, then the fields that depend on it and the Distributed-mode configuration objects. */
export function checkMapModeAndConfigs(context: MapContext, name: string, fields: Map<string, Field>): void {
  const mode = modeOf(context, fields.get('ItemProcessor') ?? fields.get('Iterator'));
  if (mode === 'INLINE') {
    for (const field of DISTRIBUTED_ONLY) {
      const present = fields.get(field);
      if (present) {
        context.report.error('asl/map-inline', present.key.offset, `"${field}" only exists in a Distributed Map, but Map state "${name}" runs in Inline mode: set "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"} in its "ItemProcessor", or remove "${field}".`);
      }
    }
  }
  const reader = objectField(context, name, fields.get('ItemReader'));
  if (reader) checkItemReader(context, name, reader);
  const batcher = objectField(context, name, fields.get('ItemBatcher'));
  if (batcher) checkItemBatcher(context, name, batcher);
  const writer = objectField(context, name, fields.get('ResultWriter'));
  if (writer) checkResultWriter(context, name, writer);
  checkLabel(context, fields.get('Label'));
}

/** The field's object, or undefined after reporting a value that is not one. */
function objectField(context: MapContext, name: string, field: Field | undefined): (Field & { value: Node }) | undefined {
  const value = field?.value;
  if (!field || !value || isPlaceholder(value.value)) return undefined;
  if (!isObject(value)) {
    context.report.error('asl/field-type', value.offset, `"${field.name}" of Map state "${name}" must be an object, not ${describeType(value)}.`);
    return undefined;
  }
  return field as Field & { value: Node };
}

/** "Parameters" (JSONPath) or "Arguments" (JSONata) of an ItemReader or ResultWriter. */
function checkResourceArguments(context: MapContext, owner: string, fields: Map<string, Field>): void {
  const [mine, other] = context.language === 'JSONPath' ? ['Parameters', 'Arguments'] : ['Arguments', 'Parameters'];
  const wrong = fields.get(other);
  if (wrong) {
    context.report.error('asl/query-language', wrong.key.offset, `"${other}" of "${owner}" belongs to ${context.language === 'JSONPath' ? 'JSONata' : 'JSONPath'} states: this state uses ${context.language}, so name it "${mine}".`);
  }
  const value = fields.get(mine)?.value;
  if (!value || isPlaceholder(value.value)) return;
  if (isObject(value)) {
    if (context.language === 'JSONPath') context.payloadTemplate(value);
  } else if (!(context.language === 'JSONata' && value.type === 'string' && isJsonataString(value.value as string))) {
    context.report.error('asl/field-type', value.offset, `"${mine}" of "${owner}" must be an object (e.g. {"Bucket": "...", "Key": "..."})${context.language === 'JSONata' ? ' or a {% %} expression' : ''}, not ${describeType(value)}.`);
  }
}

/** Reports fields not in `allowed`; those in `handled` are reported elsewhere. */
function unknownFields(context: MapContext, owner: string, fields: Map<string, Field>, allowed: readonly string[], handled: readonly string[] = []): void {
  for (const field of fields.values()) {
    if (allowed.includes(field.name) || handled.includes(field.name)) continue;
    context.report.error('asl/unknown-field', field.key.offset, `Field "${field.name}" is not allowed in "${owner}": it takes ${allowed.join(', ')}. Remove it or fix its spelling.`);
  }
}

function checkItemReader(context: MapContext, name: string, reader: Field & { value: Node }): void {
  const fields = fieldMap(reader.value);
  const argumentsName = context.language === 'JSONPath' ? 'Parameters' : 'Arguments';
  unknownFields(context, 'ItemReader', fields, ['Resource', argumentsName, 'ReaderConfig'], ['Parameters', 'Arguments']);
  if (!fields.has('Resource')) {
    context.report.error('asl/missing-field', reader.value.offset, `"ItemReader" of Map state "${name}" needs a "Resource" (e.g. "arn:aws:states:::s3:getObject").`);
  }
  checkResourceArguments(context, 'ItemReader', fields);
  const config = objectField(context, name, fields.get('ReaderConfig'));
  if (!config) return;
  const configFields = fieldMap(config.value);
  context.integer(configFields.get('MaxItems'), 1, MAX_READER_ITEMS);
  pathTwin(context, configFields, 'MaxItems');
}

function checkItemBatcher(context: MapContext, name: string, batcher: Field & { value: Node }): void {
  const fields = fieldMap(batcher.value);
  const limits = ['MaxItemsPerBatch', 'MaxItemsPerBatchPath', 'MaxInputBytesPerBatch', 'MaxInputBytesPerBatchPath'];
  unknownFields(context, 'ItemBatcher', fields, [...limits.filter((field) => context.language === 'JSONPath' || !field.endsWith('Path')), 'BatchInput'], limits);
  if (!limits.some((field) => fields.has(field))) {
    context.report.error('asl/map-batcher', batcher.value.offset, `"ItemBatcher" of Map state "${name}" sets no batch limit: add "MaxItemsPerBatch" (items per batch) or "MaxInputBytesPerBatch" (bytes per batch, at most ${MAX_BATCH_BYTES}).`);
  }
  context.integer(fields.get('MaxItemsPerBatch'), 1, MAX_INTEGER);
  context.integer(fields.get('MaxInputBytesPerBatch'), 1, MAX_BATCH_BYTES);
  pathTwin(context, fields, 'MaxItemsPerBatch');
  pathTwin(context, fields, 'MaxInputBytesPerBatch');
  const input = fields.get('BatchInput')?.value;
  if (!input || isPlaceholder(input.value)) return;
  if (isObject(input)) {
    if (context.language === 'JSONPath') context.payloadTemplate(input);
  } else if (!(context.language === 'JSONata' && input.type === 'string' && isJsonataString(input.value as string))) {
    context.report.error('asl/field-type', input.offset, `"BatchInput" of "ItemBatcher" must be an object${context.language === 'JSONata' ? ' or a {% %} expression' : ''}, not ${describeType(input)}.`);
  }
}

/** `<field>Path` is a JSONPath-only Reference Path, and cannot be set with `<field>`. */
function pathTwin(context: MapContext, fields: Map<string, Field>, field: string): void {
  const path = fields.get(`${field}Path`);
  if (!path) return;
  if (context.language === 'JSONata') {
    context.report.error('asl/query-language', path.key.offset, `"${path.name}" only exists with JSONPath: under JSONata write "${field}": "{% ... %}" instead.`);
    return;
  }
  context.referencePath(path);
  context.exclusive(fields, field, path.name);
}

const WRITER_TRANSFORMATIONS = ['NONE', 'COMPACT', 'FLATTEN'];
const WRITER_OUTPUT_TYPES = ['JSON', 'JSONL'];

function checkResultWriter(context: MapContext, name: string, writer: Field & { value: Node }): void {
  const fields = fieldMap(writer.value);
  const argumentsName = context.language === 'JSONPath' ? 'Parameters' : 'Arguments';
  unknownFields(context, 'ResultWriter', fields, ['Resource', argumentsName, 'WriterConfig'], ['Parameters', 'Arguments']);
  const resource = fields.get('Resource');
  const args = fields.get(argumentsName);
  if (fields.size === 0) {
    context.report.error('asl/map-result-writer', writer.value.offset, `"ResultWriter" of Map state "${name}" is empty: give "WriterConfig" to format the results, and/or "Resource" with "${argumentsName}" to export them to Amazon S3.`);
  } else if (resource && !args) {
    context.report.error('asl/map-result-writer', resource.key.offset, `"ResultWriter" of Map state "${name}" has a "Resource" but no "${argumentsName}": add "${argumentsName}": {"Bucket": "...", "Prefix": "..."} to say where in Amazon S3 the results go.`);
  } else if (args && !resource) {
    context.report.error('asl/map-result-writer', args.key.offset, `"ResultWriter" of Map state "${name}" has "${argumentsName}" but no "Resource": add "Resource": "arn:aws:states:::s3:putObject".`);
  }
  checkResourceArguments(context, 'ResultWriter', fields);
  const config = objectField(context, name, fields.get('WriterConfig'));
  if (!config) return;
  const configFields = fieldMap(config.value);
  for (const [field, allowed] of [['Transformation', WRITER_TRANSFORMATIONS], ['OutputType', WRITER_OUTPUT_TYPES]] as const) {
    const value = configFields.get(field)?.value;
    if (!value || isPlaceholder(value.value) || allowed.includes(value.value as string)) continue;
    context.report.error('asl/map-result-writer', value.offset, `"${field}" of "WriterConfig" must be one of ${allowed.map((item) => `"${item}"`).join(', ')}, not ${describeType(value)}.`);
  }
}

function checkLabel(context: MapContext, field: Field | undefined): void {
  const value = field?.value;
  if (!value || isPlaceholder(value.value)) return;
  if (value.type !== 'string') {
    context.report.error('asl/field-type', value.offset, `"Label" must be a string, not ${describeType(value)}.`);
    return;
  }
  const label = value.value as string;
  if (label.length > LABEL_MAX) {
    context.report.error('asl/map-label', value.offset, `"Label" is ${label.length} characters long; Step Functions allows at most ${LABEL_MAX}. Shorten it.`);
    return;
  }
  if (label.includes('${')) return;
  const forbidden = [...label].find((character) => LABEL_FORBIDDEN.includes(character) || /\s/.test(character) || isControl(character.charCodeAt(0)));
  if (forbidden !== undefined) {
    context.report.error('asl/map-label', value.offset, `"Label" "${label}" contains ${JSON.stringify(forbidden)}, which Step Functions refuses in a label (no white space, ? * < > { } [ ] : ; , \\ | ^ ~ $ # % & \` " or control characters). Remove it.`);
  }
}

function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}
