//! A deterministic stack limit: the same runtime call runs out of stack at the same point on
//! every machine.
//!
//! wasmtime limits the *native* stack a wasm call may use (`max_wasm_stack`), and how much
//! native stack a wasm frame takes depends on the compiler: its version, its optimisations,
//! the CPU architecture. Near that limit, one node could trap where another does not, and
//! they would disagree on a block. So every runtime is instrumented before it is compiled,
//! the way Substrate's executor does it for parachain validation: a global counts the
//! *logical* stack in use, each function adds its cost on entry (checking it against
//! [`LOGICAL_STACK_MAX`], and trapping with `unreachable` beyond it) and takes it back on
//! exit. A function's cost depends on its code only: [`FRAME_COST`] plus its parameters,
//! its locals and the highest its operand stack gets. The logical limit is set so that it is
//! always reached before the native one (the tests measure native bytes per unit of cost).
//!
//! The rewrite: the body is wrapped in a block, `return` becomes a branch out of that block,
//! and tail calls (`return_call*`) become a call and a branch; after the block comes the
//! decrement. Imported (host) functions are not counted. A trap leaves the counter where it
//! was, which does not matter: the executor never reuses an instance after a trap.

use wasm_encoder::reencode::{self, Reencode, RoundtripReencoder};
use wasm_encoder::{BlockType, Function, Instruction};
use wasmparser::{
    FuncType, FuncValidatorAllocations, Operator, Parser, Payload, TypeRef, ValidPayload,
    Validator, WasmFeatures,
};

use crate::ExecutorError;

/// The most logical stack a call may use. With [`FRAME_COST`], the deepest runtime calls take
/// a few thousand frames; natively that stays well within wasmtime's 1 MiB (see the tests).
pub const LOGICAL_STACK_MAX: u32 = 65_536;

/// What every frame costs besides its values: the return address, saved registers, alignment.
pub const FRAME_COST: u32 = 4;

/// Changes whenever the instrumentation does, so that modules compiled and cached on disk by
/// an earlier version are not used.
pub const VERSION: u32 = 1;

/// `wasm` with the logical stack counted and limited (see the module docs).
pub fn instrument(wasm: &[u8]) -> Result<Vec<u8>, ExecutorError> {
    instrument_with_limit(wasm, LOGICAL_STACK_MAX)
}

fn instrument_with_limit(wasm: &[u8], limit: u32) -> Result<Vec<u8>, ExecutorError> {
    let invalid = |e: String| ExecutorError::InvalidCode(format!("stack limit: {e}"));
    let facts = Facts::read(wasm).map_err(|e| invalid(format!("{e}")))?;
    let mut limiter = Limiter { facts, next_function: 0, counter_added: false, limit };
    let mut module = wasm_encoder::Module::new();
    limiter
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|e| invalid(format!("{e:?}")))?;
    Ok(module.finish())
}

/// What the rewrite needs to know about the module, read (and validated) first.
struct Facts {
    types: Vec<FuncType>,
    /// The type of every defined function, in order.
    function_types: Vec<u32>,
    /// The cost of every defined function, in order.
    costs: Vec<u32>,
    imported_globals: u32,
    /// The size of the global section, if the module has one.
    defined_globals: Option<u32>,
    /// Result lists of more than one value, each needing a block type `[] -> results`, which
    /// are added after the module's own types.
    multi_results: Vec<Vec<wasmparser::ValType>>,
}

impl Facts {
    fn read(wasm: &[u8]) -> Result<Self, wasmparser::BinaryReaderError> {
        let mut facts = Facts {
            types: Vec::new(),
            function_types: Vec::new(),
            costs: Vec::new(),
            imported_globals: 0,
            defined_globals: None,
            multi_results: Vec::new(),
        };
        // What the executor's engine accepts (no GC types, so every type is a function's);
        // wasmtime checks its own configuration again when it compiles the result.
        let mut validator =
            Validator::new_with_features(WasmFeatures::WASM2 | WasmFeatures::TAIL_CALL);
        let mut allocations = FuncValidatorAllocations::default();
        for payload in Parser::new(0).parse_all(wasm) {
            let payload = payload?;
            let valid = validator.payload(&payload)?;
            match &payload {
                Payload::TypeSection(reader) => {
                    for group in reader.clone() {
                        for sub in group?.into_types() {
                            facts.types.push(sub.unwrap_func().clone());
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.clone().into_imports() {
                        if let TypeRef::Global(_) = import?.ty {
                            facts.imported_globals += 1;
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader.clone() {
                        facts.function_types.push(ty?);
                    }
                }
                Payload::GlobalSection(reader) => facts.defined_globals = Some(reader.count()),
                _ => {}
            }
            if let ValidPayload::Func(function, body) = valid {
                let mut validator = function.into_validator(allocations);
                let mut reader = body.get_binary_reader();
                validator.read_locals(&mut reader)?;
                let mut operators = wasmparser::OperatorsReader::new(reader);
                let mut highest = 0;
                while !operators.eof() {
                    let (operator, offset) = operators.read_with_offset()?;
                    validator.op(offset, &operator)?;
                    highest = highest.max(validator.operand_stack_height());
                }
                operators.finish()?;
                // `len_locals` counts the parameters too.
                facts.costs.push(
                    FRAME_COST.saturating_add(validator.len_locals()).saturating_add(highest),
                );
                allocations = validator.into_allocations();
            }
        }
        for ty in &facts.function_types {
            let results = facts.types[*ty as usize].results();
            if results.len() > 1 && !facts.multi_results.iter().any(|r| r.as_slice() == results) {
                facts.multi_results.push(results.to_vec());
            }
        }
        Ok(facts)
    }

    /// The index of the counter: after every global of the module.
    fn counter(&self) -> u32 {
        self.imported_globals + self.defined_globals.unwrap_or(0)
    }
}

struct Limiter {
    facts: Facts,
    next_function: usize,
    /// Whether the hook added a global section for the counter.
    counter_added: bool,
    limit: u32,
}

impl Limiter {
    /// Adds the counter, a mutable i32 starting at 0, to `globals`.
    fn push_counter(globals: &mut wasm_encoder::GlobalSection) {
        let ty = wasm_encoder::GlobalType {
            val_type: wasm_encoder::ValType::I32,
            mutable: true,
            shared: false,
        };
        globals.global(ty, &wasm_encoder::ConstExpr::i32_const(0));
    }

    /// The block type of a body wrapper: no parameters, the function's results.
    fn wrapper_type(&self, ty: u32) -> Result<BlockType, reencode::Error> {
        let results = self.facts.types[ty as usize].results().to_vec();
        Ok(match results.as_slice() {
            [] => BlockType::Empty,
            [one] => BlockType::Result(RoundtripReencoder.val_type(*one)?),
            many => {
                let position = self.facts.multi_results.iter().position(|r| r.as_slice() == many);
                let index = position.ok_or(reencode::Error::InvalidCodeSectionSize)?;
                BlockType::FunctionType((self.facts.types.len() + index) as u32)
            }
        })
    }

    fn adjust(function: &mut Function, counter: u32, cost: u32, increase: bool) {
        function.instruction(&Instruction::GlobalGet(counter));
        function.instruction(&Instruction::I32Const(cost as i32));
        function.instruction(if increase { &Instruction::I32Add } else { &Instruction::I32Sub });
        function.instruction(&Instruction::GlobalSet(counter));
    }
}

impl Reencode for Limiter {
    type Error = std::convert::Infallible;

    fn parse_type_section(
        &mut self,
        types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        reencode::utils::parse_type_section(self, types, section)?;
        for results in self.facts.multi_results.clone() {
            let results = results
                .into_iter()
                .map(|v| RoundtripReencoder.val_type(v))
                .collect::<Result<Vec<_>, _>>()?;
            types.ty().function([], results);
        }
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        reencode::utils::parse_global_section(self, globals, section)?;
        Self::push_counter(globals);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<wasm_encoder::SectionId>,
        before: Option<wasm_encoder::SectionId>,
    ) -> Result<(), reencode::Error> {
        // A module without globals gets a global section for the counter, where the spec's
        // section order puts it: before the first section that comes after globals.
        use wasm_encoder::SectionId::*;
        let after_globals =
            matches!(before, None | Some(Export | Start | Element | DataCount | Code | Data));
        if self.facts.defined_globals.is_none() && !self.counter_added && after_globals {
            let mut globals = wasm_encoder::GlobalSection::new();
            Self::push_counter(&mut globals);
            module.section(&globals);
            self.counter_added = true;
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        body: wasmparser::FunctionBody<'_>,
    ) -> Result<(), reencode::Error> {
        let index = self.next_function;
        self.next_function += 1;
        let ty =
            *self.facts.function_types.get(index).ok_or(reencode::Error::InvalidCodeSectionSize)?;
        let cost = self.facts.costs[index];
        let counter = self.facts.counter();
        let wrapper = self.wrapper_type(ty)?;
        let mut function = self.new_function_with_parsed_locals(&body)?;
        Self::adjust(&mut function, counter, cost, true);
        function.instruction(&Instruction::GlobalGet(counter));
        function.instruction(&Instruction::I32Const(self.limit as i32));
        function.instruction(&Instruction::I32GtU);
        function.instruction(&Instruction::If(BlockType::Empty));
        function.instruction(&Instruction::Unreachable);
        function.instruction(&Instruction::End);
        function.instruction(&Instruction::Block(wrapper));
        // Open blocks, loops and ifs inside the wrapper: a branch out of the wrapper from
        // inside them has this index.
        let mut depth: u32 = 0;
        let mut operators = body.get_operators_reader()?;
        while !operators.eof() {
            let operator = operators.read()?;
            match operator {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::TryTable { .. } => {
                    depth += 1;
                    function.instruction(&self.instruction(operator)?);
                }
                Operator::End if depth == 0 => {
                    // The function's end: close the wrapper, give the cost back, end.
                    function.instruction(&Instruction::End);
                    Self::adjust(&mut function, counter, cost, false);
                    function.instruction(&Instruction::End);
                }
                Operator::End => {
                    depth -= 1;
                    function.instruction(&Instruction::End);
                }
                Operator::Return => {
                    function.instruction(&Instruction::Br(depth));
                }
                Operator::ReturnCall { function_index } => {
                    function.instruction(&Instruction::Call(function_index));
                    function.instruction(&Instruction::Br(depth));
                }
                Operator::ReturnCallIndirect { type_index, table_index } => {
                    function.instruction(&Instruction::CallIndirect { type_index, table_index });
                    function.instruction(&Instruction::Br(depth));
                }
                Operator::ReturnCallRef { type_index } => {
                    function.instruction(&Instruction::CallRef(type_index));
                    function.instruction(&Instruction::Br(depth));
                }
                other => {
                    function.instruction(&self.instruction(other)?);
                }
            }
        }
        code.function(&function);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("valid wat")
    }

    #[test]
    fn costs_count_parameters_locals_and_the_operand_stack() {
        let facts = Facts::read(&wat(r#"(module
                (func (param i32 i32) (local i64)
                    local.get 0 local.get 1 i32.add drop)
                (func))"#))
        .expect("valid");
        // 2 parameters + 1 local + 2 operands, and the frame; an empty function: the frame.
        assert_eq!(facts.costs, vec![FRAME_COST + 5, FRAME_COST]);
    }

    #[test]
    fn the_output_is_valid_and_keeps_globals_types_and_returns_working() {
        let module = wat(r#"(module
                (global $g (mut i32) (i32.const 7))
                (func $pair (export "pair") (param i32) (result i32 i32)
                    local.get 0
                    if
                        i32.const 1 i32.const 2 return
                    end
                    i32.const 3 i32.const 4)
                (func (export "sum") (param i32) (result i32)
                    local.get 0 call $pair i32.add global.get $g i32.add)
                (func (export "tail") (param i32) (result i32)
                    local.get 0 return_call 1))"#);
        let instrumented = instrument(&module).expect("instruments");
        wasmparser::Validator::new().validate_all(&instrumented).expect("valid output");
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, &instrumented).expect("compiles");
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).expect("instance");
        let sum = instance.get_typed_func::<i32, i32>(&mut store, "sum").expect("sum");
        assert_eq!(sum.call(&mut store, 1).expect("runs"), 1 + 2 + 7);
        assert_eq!(sum.call(&mut store, 0).expect("runs"), 3 + 4 + 7);
        let tail = instance.get_typed_func::<i32, i32>(&mut store, "tail").expect("tail");
        assert_eq!(tail.call(&mut store, 1).expect("runs"), 10);
    }

    /// A recursive function `rec(n)` keeping `values` i64 locals live across its call, so
    /// that the compiler must keep them in its frame: they are loaded from memory before the
    /// call (which could change memory), so they cannot be computed again after it.
    fn recursion(values: usize) -> Vec<u8> {
        let locals = " i64".repeat(values);
        let mut set = String::new();
        let mut sum = String::new();
        for i in 1..=values {
            set += &format!("i32.const {} i64.load local.set {i}\n", i * 8);
            sum += &format!("local.get {i} i64.add\n");
        }
        wat(&format!(
            r#"(module
                (memory 1)
                (func $rec (export "rec") (param i32) (result i64) (local{locals})
                    {set}
                    local.get 0
                    i32.eqz
                    if (result i64)
                        i64.const 0
                    else
                        local.get 0 i32.const 1 i32.sub call $rec
                        {sum}
                    end))"#
        ))
    }

    /// `rec` of a module compiled as the executor compiles (native stack of its own size).
    struct Rec {
        engine: wasmtime::Engine,
        module: wasmtime::Module,
    }

    impl Rec {
        fn new(wasm: &[u8], native_stack: usize) -> Self {
            let mut config = crate::executor::wasm_config();
            config.max_wasm_stack(native_stack);
            let engine = wasmtime::Engine::new(&config).expect("engine");
            let module = wasmtime::Module::new(&engine, wasm).expect("compiles");
            Self { engine, module }
        }

        /// Runs `rec(depth)` in a new instance: `Ok` or the trap's text.
        fn run(&self, depth: i32) -> Result<i64, String> {
            let mut store = wasmtime::Store::new(&self.engine, ());
            let instance =
                wasmtime::Instance::new(&mut store, &self.module, &[]).expect("instance");
            let rec = instance.get_typed_func::<i32, i64>(&mut store, "rec").expect("rec");
            rec.call(&mut store, depth).map_err(|e| format!("{e:?}"))
        }

        /// The deepest `rec` that runs, by bisection.
        fn deepest(&self) -> i32 {
            let (mut ok, mut failed) = (0, 1 << 22);
            while failed - ok > 1 {
                let mid = ok + (failed - ok) / 2;
                if self.run(mid).is_ok() {
                    ok = mid;
                } else {
                    failed = mid;
                }
            }
            ok
        }
    }

    #[test]
    fn the_logical_limit_comes_before_the_native_one_and_decides_alone() {
        for values in [0, 8, 64, 256] {
            let wasm = recursion(values);
            let cost = Facts::read(&wasm).expect("valid").costs[0];
            // Natively (no counting), how much stack a unit of cost takes.
            let native_depth = Rec::new(&wasm, crate::executor::NATIVE_STACK_MAX).deepest();
            let bytes_per_unit = crate::executor::NATIVE_STACK_MAX as f64
                / (f64::from(native_depth) * f64::from(cost));
            let native_units = f64::from(native_depth) * f64::from(cost);
            eprintln!(
                "{values} live values: cost {cost}, native depth {native_depth}, \
                 {bytes_per_unit:.1} bytes per unit, logical limit at {:.0}% of the native stack",
                f64::from(LOGICAL_STACK_MAX) / native_units * 100.0
            );
            // With room to spare (other compilers, other CPUs): at most 60% of the native stack.
            assert!(
                f64::from(LOGICAL_STACK_MAX) <= 0.6 * native_units,
                "{values} live values: the logical limit ({LOGICAL_STACK_MAX} units) is not well \
                 inside the native stack ({native_units:.0} units)"
            );
            // Instrumented: the deepest call is exactly what the logical limit allows, and
            // one deeper traps at the counter's check, not at the native limit.
            let instrumented = Rec::new(
                &instrument(&wasm).expect("instruments"),
                crate::executor::NATIVE_STACK_MAX,
            );
            let allowed = (LOGICAL_STACK_MAX / cost) as i32;
            // `rec(n)` makes n + 1 frames.
            assert!(instrumented.run(allowed - 1).is_ok(), "{values}: {allowed} frames run");
            let trap = instrumented.run(allowed).expect_err("one frame more traps");
            assert!(trap.contains("unreachable"), "{values}: trapped at the counter: {trap}");
        }
    }

    #[test]
    fn the_limit_is_the_same_whatever_the_native_stack() {
        // A small limit that every native stack holds: the outcome is the counter's alone.
        let wasm = instrument_with_limit(&recursion(8), 4_000).expect("instruments");
        let cost = Facts::read(&recursion(8)).expect("valid").costs[0];
        for native in [256 * 1024, 512 * 1024, 1024 * 1024] {
            let rec = Rec::new(&wasm, native);
            let frames = (4_000 / cost) as i32;
            assert!(rec.run(frames - 1).is_ok(), "{native}: {frames} frames run");
            assert!(rec.run(frames).is_err(), "{native}: one more traps");
        }
        // Calls that return give their cost back: many in a row in one instance still run.
        let rec = Rec::new(&wasm, 1024 * 1024);
        let mut store = wasmtime::Store::new(&rec.engine, ());
        let instance = wasmtime::Instance::new(&mut store, &rec.module, &[]).expect("instance");
        let call = instance.get_typed_func::<i32, i64>(&mut store, "rec").expect("rec");
        for _ in 0..10 {
            assert!(call.call(&mut store, (4_000 / cost) as i32 - 1).is_ok(), "again");
        }
    }

    #[test]
    fn a_module_without_globals_gets_its_counter() {
        let module = wat(r#"(module (func (export "f") (result i32) i32.const 5))"#);
        let instrumented = instrument(&module).expect("instruments");
        wasmparser::Validator::new().validate_all(&instrumented).expect("valid output");
    }
}
