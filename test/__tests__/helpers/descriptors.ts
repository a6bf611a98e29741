/**
 * Every request a router output asks to send is a request descriptor by its schema (rudder-contract.md A.1.3): no
 * path of the plan can hand the host anything else (a raw event, a half-built request) as a request to send.
 */
import {
  RequestDescriptorSchema,
  type RequestDescriptor,
  type RouterOutput,
} from '../../../src/framework/types';
import { ajv, describeAjvErrors } from '../../../src/framework/validate';

const isDescriptor = ajv.compile<RequestDescriptor>(RequestDescriptorSchema);

/** The problems of the outputs' requests, one line each (`output[2].batchedRequest[0]: ...`); none: []. */
export function descriptorProblems(outputs: RouterOutput[]): string[] {
  const problems: string[] = [];
  outputs.forEach((output, i) => {
    if (output.statusCode !== 200 || !('batchedRequest' in output)) return;
    const requests: unknown[] = ([] as unknown[]).concat(output.batchedRequest);
    requests.forEach((request, k) => {
      if (!isDescriptor(request)) {
        problems.push(describeAjvErrors(isDescriptor.errors ?? [], `output[${i}].batchedRequest[${k}]`));
      }
    });
  });
  return problems;
}
