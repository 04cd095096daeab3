module.exports = require('./test-run').teardown;
