/**
 * What each intrinsic function takes and returns, as the Step Functions developer guide states it
 * (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html): argument counts, the JSON type
 * of each argument, and the limits AWS checks on literal values. paths.ts scans the call and hands over its
 * arguments; a path argument (`$.x`, `$$.x`, `$var`) is only known at run time, so it is always accepted.
 */

export type ValueType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

/** One argument of a call as written: a literal, a path, or a nested call (known by what it returns). */
export type IntrinsicArgument =
  | { kind: 'literal'; type: 'string'; value: string }
  | { kind: 'literal'; type: 'number'; value: number }
  | { kind: 'literal'; type: 'boolean'; value: boolean }
  | { kind: 'literal'; type: 'null' }
  | { kind: 'path' }
  | { kind: 'call'; name: string };

const ANY: readonly ValueType[] = ['string', 'number', 'boolean', 'null', 'array', 'object'];

interface Signature {
  /** Accepted types of each argument; the last one repeats when `variadic`. */
  parameters: readonly (readonly ValueType[])[];
  /** Arguments that may be left out at the end (States.MathRandom's seed). */
  optional?: number;
  variadic?: boolean;
  returns: readonly ValueType[];
}

export const HASH_ALGORITHMS = ['MD5', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
export const MAX_ARRAY_RANGE_ITEMS = 1000;
const INT32 = { min: -2147483648, max: 2147483647 };

export const INTRINSIC_SIGNATURES: ReadonlyMap<string, Signature> = new Map<string, Signature>([
  ['States.Format', { parameters: [['string'], ANY], variadic: true, optional: 1, returns: ['string'] }],
  ['States.StringToJson', { parameters: [['string']], returns: ANY }],
  ['States.JsonToString', { parameters: [ANY], returns: ['string'] }],
  ['States.Array', { parameters: [ANY], variadic: true, optional: 1, returns: ['array'] }],
  ['States.ArrayPartition', { parameters: [['array'], ['number']], returns: ['array'] }],
  ['States.ArrayContains', { parameters: [['array'], ANY], returns: ['boolean'] }],
  ['States.ArrayRange', { parameters: [['number'], ['number'], ['number']], returns: ['array'] }],
  ['States.ArrayGetItem', { parameters: [['array'], ['number']], returns: ANY }],
  ['States.ArrayLength', { parameters: [['array']], returns: ['number'] }],
  ['States.ArrayUnique', { parameters: [['array']], returns: ['array'] }],
  ['States.Base64Encode', { parameters: [['string']], returns: ['string'] }],
  ['States.Base64Decode', { parameters: [['string']], returns: ['string'] }],
  ['States.Hash', { parameters: [ANY, ['string']], returns: ['string'] }],
  ['States.JsonMerge', { parameters: [['object'], ['object'], ['boolean']], returns: ['object'] }],
  ['States.MathRandom', { parameters: [['number'], ['number'], ['number']], optional: 1, returns: ['number'] }],
  ['States.MathAdd', { parameters: [['number'], ['number']], returns: ['number'] }],
  ['States.StringSplit', { parameters: [['string'], ['string']], returns: ['array'] }],
  ['States.UUID', { parameters: [], returns: ['string'] }],
]);

/** [minimum, maximum] argument counts of a known function. */
export function arityOf(name: string): [number, number] | undefined {
  const signature = INTRINSIC_SIGNATURES.get(name);
  if (!signature) return undefined;
  const count = signature.parameters.length;
  const minimum = count - (signature.optional ?? 0);
  return [minimum, signature.variadic ? Infinity : count];
}

function typesOf(argument: IntrinsicArgument): readonly ValueType[] | undefined {
  if (argument.kind === 'path') return undefined;
  if (argument.kind === 'call') return INTRINSIC_SIGNATURES.get(argument.name)?.returns;
  return [argument.type];
}

function describe(argument: IntrinsicArgument): string {
  if (argument.kind === 'call') return `${argument.name}(...), which returns ${wordsFor(INTRINSIC_SIGNATURES.get(argument.name)!.returns)}`;
  if (argument.kind === 'path') return 'a path';
  switch (argument.type) {
    case 'string':
      return `the string '${argument.value}'`;
    case 'null':
      return 'null';
    default:
      return `the ${argument.type} ${String(argument.value)}`;
  }
}

function wordsFor(types: readonly ValueType[]): string {
  if (types.length === ANY.length) return 'any value';
  const words = types.map((type) => (type === 'array' || type === 'object' ? `an ${type}` : type === 'null' ? 'null' : `a ${type}`));
  return words.join(' or ');
}

/**
 * What is wrong with the arguments of a call whose count is right, or undefined. Types are checked where the
 * argument's type is known when writing it (a literal, or a call by what it returns); values where AWS states a
 * limit on them.
 */
export function checkIntrinsicArguments(name: string, args: readonly IntrinsicArgument[]): string | undefined {
  const signature = INTRINSIC_SIGNATURES.get(name);
  if (!signature) return undefined;
  for (let index = 0; index < args.length; index++) {
    const parameters = signature.parameters;
    const accepted = parameters[Math.min(index, parameters.length - 1)];
    const types = typesOf(args[index]);
    if (types && !types.some((type) => accepted.includes(type))) {
      return `argument ${index + 1} of ${name} must be ${wordsFor(accepted)}, not ${describe(args[index])}: pass a value of that type or a path to one`;
    }
  }
  return checkValues(name, args);
}

function literalNumber(argument: IntrinsicArgument | undefined): number | undefined {
  return argument?.kind === 'literal' && argument.type === 'number' ? argument.value : undefined;
}

/** Limits on literal values, from the "Input validation" notes of the guide. */
function checkValues(name: string, args: readonly IntrinsicArgument[]): string | undefined {
  switch (name) {
    case 'States.JsonToString':
      // "This argument must be a Path": the guide takes no literal here.
      if (args[0].kind === 'literal') return `States.JsonToString takes a path to the JSON data to turn into a string (e.g. $.data), not ${describe(args[0])}`;
      return undefined;
    case 'States.ArrayPartition': {
      const size = literalNumber(args[1]);
      // Step Functions rounds a non-integer chunk size to the nearest integer.
      if (size !== undefined && Math.round(size) < 1) return `the chunk size of States.ArrayPartition must be a positive integer, not ${size}`;
      return undefined;
    }
    case 'States.ArrayRange': {
      const [start, end, step] = args.map((argument) => literalNumber(argument));
      if (step !== undefined && Math.round(step) === 0) return 'the step (argument 3) of States.ArrayRange must not be 0';
      if (start !== undefined && end !== undefined && step !== undefined) {
        const count = Math.floor((Math.round(end) - Math.round(start)) / Math.round(step)) + 1;
        if (count > MAX_ARRAY_RANGE_ITEMS) {
          return `States.ArrayRange(${start}, ${end}, ${step}) would make ${count} items; Step Functions makes arrays of at most ${MAX_ARRAY_RANGE_ITEMS}: use a larger step or a smaller range`;
        }
      }
      return undefined;
    }
    case 'States.Hash': {
      const algorithm = args[1];
      if (algorithm.kind === 'literal' && algorithm.type === 'string' && !HASH_ALGORITHMS.includes(algorithm.value)) {
        return `States.Hash does not know the algorithm '${algorithm.value}': use one of ${HASH_ALGORITHMS.join(', ')}`;
      }
      return undefined;
    }
    case 'States.JsonMerge': {
      const deep = args[2];
      if (deep.kind === 'literal' && deep.type === 'boolean' && deep.value) {
        return 'the third argument of States.JsonMerge must be false: Step Functions only merges shallowly';
      }
      return undefined;
    }
    case 'States.MathAdd':
      for (const argument of args) {
        const value = literalNumber(argument);
        if (value !== undefined && (Math.round(value) < INT32.min || Math.round(value) > INT32.max)) {
          return `States.MathAdd adds integers between ${INT32.min} and ${INT32.max}, not ${value}`;
        }
      }
      return undefined;
    default:
      return undefined;
  }
}
