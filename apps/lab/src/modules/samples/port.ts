// What sibling modules may use of samples: moving a sample between containers (containers' placement
// route), the sample as the API shows it (its response schema), and the shape of a new sample.
import type { Caller } from '../../platform/access/lab-scope.ts';
import type { SampleView } from './schemas.ts';

export { type SampleInput, SampleView } from './schemas.ts';

/** Places a sample in a container (or takes it out with null), audited as `sample.moved`; SampleService implements it. */
export interface SampleMover {
  move(sampleId: string, containerId: string | null, reason: string, caller: Caller): Promise<SampleView>;
}
