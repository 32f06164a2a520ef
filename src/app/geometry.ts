// Moved to core so eval-fields (Node) and the viewer share one implementation.
export { pointInPolygon } from '../core/util/geometry';
