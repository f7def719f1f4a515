import { RunStore } from '../store/run-store.js';
import { StoreError } from '../store/store-error.js';
import { READER_SCHEMA, StoreReader } from '../store/store-reader.js';

/**
 * The store opened for reading (a store a crash left mid-write is repaired first, as any
 * read-only open does). A store older than the viewer's tables is first opened once as a writer,
 * which adds and fills them: the only write, before anything is served, and said.
 * @throws StoreError when the store cannot be opened.
 */
export function openForViewing(path: string, out: (line: string) => void): StoreReader {
  try {
    return StoreReader.open(path);
  } catch (error) {
    if (!(error instanceof StoreError && error.code === 'E_STORE_OUTDATED')) throw error;
    out(`indexing ${path} for the viewer (schema ${String(READER_SCHEMA)}), once`);
    RunStore.open(path).close();
    return StoreReader.open(path);
  }
}
