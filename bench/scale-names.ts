/** `scale_collection_00001`: the collections of the scale benchmark (22 characters). */
export function scaleCollectionName(i: number): string {
  return `scale_collection_${String(i).padStart(5, '0')}`;
}
