/**
 * A definition's identity: SHA-256 (hex) over its RFC 8785 canonical JSON, the same canonicalisation
 * the lab's audit chain and e-signatures use. Key order and number spelling in the source do not
 * matter; any change of content does.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { WorkflowDefinition } from './definition.ts';

/** RFC 8785 canonical JSON; throws on a value JSON cannot hold (parse.ts refuses those first). */
export function canonicalDefinitionJson(definition: WorkflowDefinition): string {
  const text = canonicalize(definition);
  if (text === undefined) throw new TypeError('the definition has no JSON representation');
  return text;
}

export function definitionHash(definition: WorkflowDefinition): string {
  return createHash('sha256').update(canonicalDefinitionJson(definition), 'utf8').digest('hex');
}
