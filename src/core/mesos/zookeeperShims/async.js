'use strict';
// Stands in for the `async` package inside node-zookeeper-client in the extension bundle (webpack.config.js): the client
// uses three of its functions (whilst, eachSeries, reduce), and the whole package was 19 KB of the zookeeper chunk.
// Same callback contracts as async 3: a callback error ends the loop and goes to the final callback.

/** whilst(test(cb(err, truthy)), iteratee(cb(err)), callback(err)) */
function whilst(test, iteratee, callback) {
  const check = (err, truthy) => {
    if (err) return callback(err);
    if (!truthy) return callback(null);
    iteratee((error) => (error ? callback(error) : test(check)));
  };
  test(check);
}

/** eachSeries(items, iteratee(item, cb(err)), callback(err)) */
function eachSeries(items, iteratee, callback) {
  const list = Array.from(items);
  let i = 0;
  const next = (err) => {
    if (err) return callback(err);
    if (i >= list.length) return callback(null);
    iteratee(list[i++], next);
  };
  next(null);
}

/** reduce(items, memo, iteratee(memo, item, cb(err, memo)), callback(err, memo)) */
function reduce(items, memo, iteratee, callback) {
  let acc = memo;
  eachSeries(items, (item, next) => iteratee(acc, item, (err, value) => { acc = value; next(err); }), (err) => callback(err, acc));
}

module.exports = { whilst, eachSeries, reduce };
