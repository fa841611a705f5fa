'use strict';
// Stands in for `underscore` inside node-zookeeper-client in the extension bundle (webpack.config.js): the client uses
// shuffle, defaults and clone, and the whole library was 17 KB of the zookeeper chunk.

/** A shuffled copy (Fisher-Yates). */
function shuffle(list) {
  const out = Array.from(list);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Fills the keys of `object` that are undefined from each source in turn. */
function defaults(object, ...sources) {
  for (const source of sources) for (const key of Object.keys(source || {})) if (object[key] === undefined) object[key] = source[key];
  return object;
}

/** A shallow copy. */
function clone(value) {
  if (value === null || typeof value !== 'object') return value;
  return Array.isArray(value) ? value.slice() : { ...value };
}

module.exports = { shuffle, defaults, clone };
