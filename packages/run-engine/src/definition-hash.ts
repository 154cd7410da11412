/**
 * A definition's identity: SHA-256 (hex) over its RFC 8785 canonical JSON, the canonicalisation the
 * lab's audit chain and e-signatures use too. Key order, whitespace and YAML-vs-JSON do not change it;
 * any change of content does. One implementation: the compiler's, which stamps it on every
 * CompiledWorkflow, so a version's stored hash and its compiled hash cannot disagree.
 */
export { hashDefinition as definitionHash } from './compile.ts';
