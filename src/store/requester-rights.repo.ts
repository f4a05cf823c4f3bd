/** A requester's rights over their data: what an export holds (requester-export.ts), and erasure (application/requester-erasure.ts). */
export type { RequesterExport } from './requester-export.ts';
