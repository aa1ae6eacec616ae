// Host imports of OPA's Wasm ABI (module "env"). Nothing else may be imported.

// @ts-ignore: decorator
@external("env", "opa_abort")
export declare function opa_abort(addr: usize): void;

// @ts-ignore: decorator
@external("env", "opa_println")
export declare function opa_println(addr: usize): void;

// @ts-ignore: decorator
@external("env", "opa_builtin0")
export declare function opa_builtin0(id: i32, ctx: usize): usize;

// @ts-ignore: decorator
@external("env", "opa_builtin1")
export declare function opa_builtin1(id: i32, ctx: usize, a: usize): usize;

// @ts-ignore: decorator
@external("env", "opa_builtin2")
export declare function opa_builtin2(id: i32, ctx: usize, a: usize, b: usize): usize;

// @ts-ignore: decorator
@external("env", "opa_builtin3")
export declare function opa_builtin3(id: i32, ctx: usize, a: usize, b: usize, c: usize): usize;

// @ts-ignore: decorator
@external("env", "opa_builtin4")
export declare function opa_builtin4(id: i32, ctx: usize, a: usize, b: usize, c: usize, d: usize): usize;
