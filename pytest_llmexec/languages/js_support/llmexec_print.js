// pytest-llmexec: writes a JavaScript value as one line of JSON, so that the harness reads it back.
//
// require('llmexec_print').print(value) writes the value and a newline to stdout. Arrays, Sets
// and typed arrays are arrays; objects and Maps are objects (a Map's keys as their JSON text);
// undefined is null; numbers are the shortest text that reads back the same (NaN, Infinity,
// -Infinity as Python's json reads them); a BigInt is its digits.
'use strict';

function write(value) {
    if (value === undefined || value === null) return 'null';
    switch (typeof value) {
        case 'boolean':
            return value ? 'true' : 'false';
        case 'number':
            if (Number.isNaN(value)) return 'NaN';
            if (!Number.isFinite(value)) return value < 0 ? '-Infinity' : 'Infinity';
            return Object.is(value, -0) ? '-0.0' : String(value);
        case 'bigint':
            return value.toString();
        case 'string':
            return JSON.stringify(value);
        default:
            break;
    }
    if (Array.isArray(value) || ArrayBuffer.isView(value) || value instanceof Set) {
        return '[' + Array.from(value, write).join(', ') + ']';
    }
    const entries = value instanceof Map ? Array.from(value.entries()) : Object.entries(value);
    const items = entries.map(([key, item]) => {
        const text = typeof key === 'string' ? key : write(key);
        return JSON.stringify(text) + ': ' + write(item);
    });
    return '{' + items.join(', ') + '}';
}

function print(value) {
    process.stdout.write(write(value) + '\n');
}

module.exports = { print, write };
