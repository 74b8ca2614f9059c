/** xlp's per-host record kept in memory, for in-process tests of the verify and ops layers. */
import { emptyRecord, type HostRecord, type PayloadRecords } from '../../src/verify/store.js';

export function memoryRecords(host: string, initial: HostRecord = emptyRecord(host)): PayloadRecords & { current(): HostRecord } {
  let record = initial;
  return {
    host,
    read: async () => record,
    update: async (change) => {
      record = change(record);
      return record;
    },
    current: () => record,
  };
}
