/**
 * The catalogue a scenario names: `builtin` (protocol/catalogue/game-v1.yaml)
 * or a path the scenario loader already made absolute. Loaded by the
 * coordinator (to validate packet names before anything starts) and again by
 * each worker (catalogues hold compiled codecs, which do not cross IPC).
 */
import { builtinCatalogue, loadCatalogue, type Catalogue } from '../../protocol/catalogue/index.ts';
import type { Scenario } from '../scenario/types.ts';

/** Loads the scenario's catalogue; throws the catalogue's `CatalogueError` when it is invalid or unreadable. */
export function loadScenarioCatalogue(scenario: Scenario): Catalogue {
  return scenario.catalogue === 'builtin' ? builtinCatalogue() : loadCatalogue(scenario.catalogue);
}
