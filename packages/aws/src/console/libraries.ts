import { LibraryFormatError, readDescriptor } from "@cds/core/library";
import type { LibraryStores } from "@cds/core/pipeline";

/** A library as the console's picker shows it. */
export interface LibraryChoice {
  readonly name: string;
  readonly count: number;
  readonly width: number;
  readonly height: number;
}

/** Libraries listed at most: a stage holds a handful. */
export const MAX_LIBRARIES = 100;

/**
 * The stage's searchable libraries: every folder of the library bucket with a readable manifest
 * (what intake reads too), by name. A folder without one (an index run in progress) is left out.
 *
 * @example
 * await listLibraries(folderNames, libraries) // [{ name: "lm", count: 50000, width: 1210, height: 566 }]
 */
export async function listLibraries(folders: AsyncIterable<string>, libraries: LibraryStores): Promise<LibraryChoice[]> {
  const names: string[] = [];
  for await (const name of folders) {
    names.push(name);
    if (names.length >= MAX_LIBRARIES) break;
  }
  const found = await Promise.all(
    names.map(async (name): Promise<LibraryChoice | undefined> => {
      try {
        const { count, width, height } = await readDescriptor(libraries(name));
        return { name, count, width, height };
      } catch (error) {
        if (error instanceof LibraryFormatError) return undefined;
        throw error;
      }
    }),
  );
  return found.filter((library): library is LibraryChoice => library !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}
