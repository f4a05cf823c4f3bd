/** Every API call an emulator answered: what tests and the control endpoint read back. */
export interface CallRecord {
  at: string;
  method: string;
  path: string;
  /** The service's own name for the call: an HTTP route for Jira, the GraphQL operation for Linear. */
  operation: string;
  status: number;
  fault?: string | undefined;
}

export class CallLog {
  private records: CallRecord[] = [];
  private readonly max: number;
  constructor(max = 10_000) {
    this.max = max;
  }

  add(record: CallRecord): void {
    this.records.push(record);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
  }

  list(): readonly CallRecord[] {
    return this.records;
  }

  clear(): void {
    this.records = [];
  }
}
