/** Orixoon's version; a unit test keeps it equal to package.json's. */
export const VERSION = '2.0.0';
