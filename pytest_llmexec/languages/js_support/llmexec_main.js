// pytest-llmexec's entry point for a JavaScript program. It compiles the program first, as
// node's own loader would (`node --check` does the same), and notes "compile error" on
// descriptor 3 if it does not parse; else it runs the program as `node main.js` would, and
// notes "main returned" when the program ended by itself (its top level returned and its
// event loop emptied), so that process.exit(0) from inside a function is not a passed assert.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const program = path.resolve(process.argv[2]);
const source = fs.readFileSync(program, 'utf8');
try {
    const parameters = ['exports', 'require', 'module', '__filename', '__dirname'];
    vm.compileFunction(source, parameters, { filename: program });
} catch (error) {
    // a SyntaxError, or the parser's own RangeError (a program nested too deep to parse)
    process.stderr.write(String(error.stack).split('\n    at ')[0] + '\n');
    fs.writeSync(3, 'compile error\n');
    process.exit(2);
}
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
