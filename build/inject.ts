import { BuildError } from './BuildError.ts';

/**
 * Replaces the one occurrence of `placeholder` (e.g. `self.__IMAGE_CACHE_MANIFEST`) in `source`
 * with the JSON of `value`.
 * @throws BuildError `injection-point` when `placeholder` occurs zero times or more than once.
 */
export function replacePlaceholder(source: string, placeholder: string, value: unknown, file: string): string {
  const first = source.indexOf(placeholder);
  if (first < 0) {
    throw new BuildError('injection-point', `${file} does not contain ${placeholder}: nothing to replace (pass it to installImageCache as \`manifest\`)`, { file, placeholder });
  }
  if (source.indexOf(placeholder, first + placeholder.length) >= 0) {
    throw new BuildError('injection-point', `${file} contains ${placeholder} more than once: use it in one place only`, { file, placeholder });
  }
  // A function replacer: `$` in the JSON must not be read as a replacement pattern.
  return source.slice(0, first) + JSON.stringify(value) + source.slice(first + placeholder.length);
}
