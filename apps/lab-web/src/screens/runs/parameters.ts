// A workflow definition's parameters, read from the version's `definition` (typed as any JSON).
export interface Parameter {
  name: string;
  type: 'number' | 'integer';
  unit: string;
  minimum: number;
  maximum: number;
  default?: number;
  description?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function parameterOf(value: unknown): Parameter | null {
  if (!isRecord(value)) return null;
  const { name, type, unit, minimum, maximum } = value;
  if (typeof name !== 'string' || typeof unit !== 'string') return null;
  if (type !== 'number' && type !== 'integer') return null;
  if (typeof minimum !== 'number' || typeof maximum !== 'number') return null;
  return {
    name,
    type,
    unit,
    minimum,
    maximum,
    ...(typeof value.default === 'number' ? { default: value.default } : {}),
    ...(typeof value.description === 'string' ? { description: value.description } : {}),
  };
}

/** The parameters the run form asks for; the API validated the definition when it was saved. */
export function parametersOf(definition: unknown): Parameter[] {
  if (!isRecord(definition) || !Array.isArray(definition.parameters)) return [];
  return definition.parameters.map(parameterOf).filter((p): p is Parameter => p !== null);
}
