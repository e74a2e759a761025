/** The picture of a definition: a Mermaid flowchart, and the marks of findings and of changes on its states. */
export { drawDefinition, DEFAULT_LIMITS, type DrawOptions, type Picture } from './draw.ts';
export { findingMarks, stateChanges, type StateMark } from './marks.ts';
export { stateKey, type StateKey } from './states.ts';
