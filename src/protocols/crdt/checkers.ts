/**
 * The one door from protocols to the convergence-family checkers. The checkers are pure functions
 * of a history and final views (src/checkers, importing only src/core); the protocols wire them into
 * their `checks` so scenarios can name them. Checkers never import protocols, so this edge creates
 * no cycle; the layering lint allows it (eslint.config.js).
 */
export { checkCounterBounds, checkLostUpdates, checkSetComplete, type KvView } from '../../checkers/crdt-checks.js';
export { checkMonotonicReads, checkReadYourWrites } from '../../checkers/session.js';
export { checkConverged } from '../../checkers/generic.js';
