module.exports = require('./test-run').setup;
