import { describe, expect, it } from 'vitest';
import { operationOf } from './rest-edge.ts';

describe('operationOf', () => {
  it.each([
    ['POST', '/rest/api/3/issue', 'POST /rest/api/3/issue'],
    ['GET', '/rest/api/3/issue/SBX-1?fields=summary', 'GET /rest/api/3/issue/{issueIdOrKey}'],
    ['GET', '/rest/api/3/issue/10001/comment/10000', 'GET /rest/api/3/issue/{issueIdOrKey}/comment/{id}'],
    ['POST', '/rest/api/2/issue/SBX-1/comment', 'POST /rest/api/2/issue/{issueIdOrKey}/comment'],
    [
      'PUT',
      '/rest/api/3/issue/SBX-1/properties/comment',
      'PUT /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}',
    ],
    [
      'DELETE',
      '/rest/api/3/issue/SBX-1/remotelink/10000',
      'DELETE /rest/api/3/issue/{issueIdOrKey}/remotelink/{linkId}',
    ],
    ['POST', '/rest/api/3/issue/SBX-1/transitions', 'POST /rest/api/3/issue/{issueIdOrKey}/transitions'],
    ['GET', '/rest/api/3/issueLink/10000', 'GET /rest/api/3/issueLink/{linkId}'],
    ['GET', '/rest/api/3/search/jql?jql=project%3DSBX', 'GET /rest/api/3/search/jql'],
    ['DELETE', '/rest/webhooks/1.0/webhook/3', 'DELETE /rest/webhooks/1.0/webhook/{id}'],
  ])('%s %s', (method, path, operation) => {
    expect(operationOf(method, path)).toBe(operation);
  });
});
