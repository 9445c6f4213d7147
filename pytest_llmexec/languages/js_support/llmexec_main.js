// pytest-llmexec's entry point for a JavaScript program: runs it as node would, and notes on
// descriptor 3 that it ended by itself (its top level returned and its event loop emptied),
// so process.exit(0) from inside a function is not taken for a passed assert.
'use strict';
const fs = require('fs');
const path = require('path');

const program = path.resolve(process.argv[2]);
process.argv.splice(1, 1); // the program sees itself as argv[1], as under `node main.js`
const exit = process.exit;
let ended = false; // the program called process.exit itself
process.exit = function (code) {
    ended = true;
    return exit.call(process, code);
};
let returned = false;
process.on('exit', (code) => {
    if (returned && !ended && code === 0) {
        fs.writeSync(3, 'main returned\n');
    }
});
require(program);
returned = true;
