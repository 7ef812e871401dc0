"""NESTML AST -> :mod:`nestgap.frontend.ir`, in NEST's units and in written order.

Unit handling: every variable holds its value in NEST's units, so a variable
contributes the factor 1; a literal with a unit contributes its conversion
factor (``1 s`` -> 1000); a spike input port, whose value is the summed weight
of the spikes arriving in a step and whose NESTML unit is 1/s, contributes
1/1000. Factors of a chain of products and quotients are combined exactly and
applied once, where a value is needed (sum, comparison, function argument,
assignment); an exact factor 1 disappears, as do products and quotients with
the literal 1 (``V_m / 1 mV`` -> ``V_m``). Every other operation is kept in
the order written, so that printed code rounds exactly as the model file says.
"""

from fractions import Fraction

from pynestml.meta_model.ast_expression import ASTExpression
from pynestml.meta_model.ast_simple_expression import ASTSimpleExpression

from . import ir
from .errors import ModelError
from .units import nest_factor

#: NESTML's predefined functions that nestgap can print, with their arity
PREDEFINED_FUNCTIONS = {
    "exp": 1, "ln": 1, "log10": 1, "expm1": 1, "sqrt": 1, "pow": 2, "abs": 1,
    "sin": 1, "cos": 1, "tan": 1, "sinh": 1, "cosh": 1, "tanh": 1, "erf": 1, "erfc": 1,
    "min": 2, "max": 2, "clip": 3, "floor": 1, "ceil": 1, "round": 1,
    "steps": 1, "resolution": 0, "timestep": 0,
}
CONSTANTS = {"e", "pi", "inf"}
#: NESTML's random functions nestgap draws, as (distribution of the node's object, number of arguments);
#: random_uniform and random_poisson are not among them (NESTML 9.0.0's NEST target prints
#: random_uniform(a, b) as a + b * drand(), not as documented)
RANDOM_FUNCTIONS = {"random_normal": ("normal", 2)}


class Lowering:
    """Translates expressions and statements of one model.

    ``kinds`` maps every model-level name to its kind (see :class:`ir.Name`);
    ``functions`` holds the names of the model's own functions.
    """

    def __init__(self, path, kinds, functions):
        self.path = path
        self.kinds = kinds
        self.functions = set(functions)
        self.draws = []  # per random call lowered (its site): (distribution, line, column)

    # -- errors --------------------------------------------------------------
    def error(self, node, message):
        position = node.get_source_position() if node is not None else None
        line = getattr(position, "start_line", None)
        col = getattr(position, "start_column", None)
        return ModelError(self.path, [(line, col, message)])

    # -- expressions ---------------------------------------------------------
    def value(self, node, scope=()) -> ir.Expr:
        """The expression ``node`` with all unit factors applied."""
        expr, factor = self.expression(node, scope)
        return _apply(expr, factor)

    def expression(self, node, scope=()):
        """Returns (expression, pending exact factor).

        A factor NESTML's type checker attached to the node (``implicit_conversion_factor``, e.g. 1000
        where an expression in s meets one in ms) multiplies the node's value, as NESTML's C++ does."""
        conversion = getattr(node, "implicit_conversion_factor", None)
        if conversion is not None and conversion != 1:
            return ir.Binary("*", ir.Num(float(conversion)), _apply(*self._expression(node, scope))), Fraction(1)
        return self._expression(node, scope)

    def _expression(self, node, scope):
        if isinstance(node, ASTSimpleExpression):
            return self._simple(node, scope)
        if not isinstance(node, ASTExpression):
            raise self.error(node, f"unsupported expression '{node}'")
        if node.is_encapsulated:
            return self.expression(node.expression, scope)
        if node.is_logical_not:
            return ir.Unary("not", self.value(node.expression, scope)), Fraction(1)
        if node.unary_operator is not None:
            operand, factor = self.expression(node.expression, scope)
            if node.unary_operator.is_unary_minus:
                if isinstance(operand, ir.Num):  # a negative literal
                    return ir.Num(-operand.value), factor
                return ir.Unary("-", operand), factor
            if node.unary_operator.is_unary_plus:
                return operand, factor
            raise self.error(node, "bitwise operators are not supported")
        if node.condition is not None:
            return ir.Conditional(self.value(node.condition, scope), self.value(node.if_true, scope),
                                  self.value(node.if_not, scope)), Fraction(1)
        if node.binary_operator is not None:
            return self._binary(node, scope)
        if node.expression is not None:
            return self.expression(node.expression, scope)
        raise self.error(node, f"unsupported expression '{node}'")

    def _binary(self, node, scope):
        op = _operator(node.binary_operator)
        if op is None:
            raise self.error(node, f"unsupported operator '{node.binary_operator}'")
        if op in ("*", "/"):
            left, left_factor = self.expression(node.lhs, scope)
            right, right_factor = self.expression(node.rhs, scope)
            factor = left_factor * right_factor if op == "*" else left_factor / right_factor
            if _is_one(right):  # x * 1 and x / 1 are exact: drop them
                return left, factor
            if op == "*" and _is_one(left):
                return right, factor
            return ir.Binary(op, left, right), factor
        return ir.Binary(op, self.value(node.lhs, scope), self.value(node.rhs, scope)), Fraction(1)

    def _simple(self, node, scope):
        if node.is_function_call():
            return self._call(node.get_function_call(), scope), Fraction(1)
        if node.is_boolean_true or node.is_boolean_false:
            return ir.Bool(bool(node.is_boolean_true)), Fraction(1)
        if node.is_inf_literal:
            return ir.Name("inf", "constant"), Fraction(1)
        if node.is_numeric_literal():
            number = node.get_numeric_literal()
            literal = ir.Num(number if isinstance(number, int) else float(number))
            if node.unitType is None:
                return literal, Fraction(1)
            try:
                unit = node.type.astropy_unit
            except AttributeError:  # NESTML's type visitor found no unit symbol (e.g. "1 nS*IT_m")
                raise self.error(node, f"NESTML reads '{node}' as one literal with an unknown unit (a name "
                                       "right after a unit joins it: write '(1 nS) * name')") from None
            return literal, nest_factor(unit, self._where(node))
        if node.is_variable():
            return self._name(node.get_variable(), scope)
        if node.is_string():
            raise self.error(node, "string literals are not supported")
        raise self.error(node, f"unsupported expression '{node}'")

    def _name(self, variable, scope):
        name = variable.get_complete_name()
        if variable.get_differential_order() > 0:
            raise self.error(variable, f"derivative '{name}' cannot be used in an expression")
        kind = "local" if name in scope else self.kinds.get(name)
        if kind is None and name in CONSTANTS:
            kind = "constant"
        if kind is None:
            raise self.error(variable, f"unknown name '{name}'")
        if kind == "spike_port":
            # the value is the summed spike weight per step, in NESTML's unit 1/s
            return ir.Name(name, kind), Fraction(1, 1000)
        return ir.Name(name, kind), Fraction(1)

    def _call(self, call, scope):
        name = call.get_name()
        args = tuple(self.value(arg, scope) for arg in call.get_args())
        if name in self.functions:
            return ir.Call(name, args)
        if name in RANDOM_FUNCTIONS:
            distribution, n_args = RANDOM_FUNCTIONS[name]
            if len(args) != n_args:
                raise self.error(call, f"'{name}' takes {n_args} argument(s)")
            _, line, column = self._where(call)
            self.draws.append((distribution, line, None if column is None else column + 1))
            return ir.Draw(distribution, args, len(self.draws) - 1)
        if name not in PREDEFINED_FUNCTIONS:
            raise self.error(call, f"function '{name}' is not supported by nestgap "
                                   f"(supported: {', '.join(sorted({*PREDEFINED_FUNCTIONS, *RANDOM_FUNCTIONS}))})")
        if len(args) != PREDEFINED_FUNCTIONS[name]:
            raise self.error(call, f"'{name}' takes {PREDEFINED_FUNCTIONS[name]} argument(s)")
        return ir.Call(name, args)

    def _where(self, node):
        position = node.get_source_position()
        return self.path, getattr(position, "start_line", None), getattr(position, "start_column", None)

    # -- statements ----------------------------------------------------------
    def statements(self, body, scope):
        """Lowers an ASTStmtsBody; ``scope`` (a set) collects local names."""
        lowered = []
        for stmt in body.get_stmts():
            if stmt.is_small_stmt():
                lowered.append(self._small(stmt.small_stmt, scope))
            else:
                lowered.append(self._compound(stmt.compound_stmt, scope))
        return tuple(s for s in lowered if s is not None)

    def _small(self, small, scope):
        if small.declaration is not None:
            declaration = small.declaration
            type_name = _type_name(declaration.get_data_type())
            value = self.value(declaration.get_expression(), scope) if declaration.has_expression() else None
            names = [v.get_name() for v in declaration.get_variables()]
            scope.update(names)
            if len(names) != 1:
                raise self.error(declaration, "declare one local variable per line")
            return ir.Declare(names[0], type_name, value)
        if small.assignment is not None:
            assignment = small.assignment
            name = assignment.lhs.get_complete_name()
            kind = "local" if name in scope else self.kinds.get(name)
            if kind not in ("local", "state"):
                raise self.error(assignment, f"cannot assign to '{name}' ({kind or 'unknown name'})")
            op = ("=" if assignment.is_direct_assignment else "+=" if assignment.is_compound_sum
                  else "-=" if assignment.is_compound_minus else "*=" if assignment.is_compound_product
                  else "/=" if assignment.is_compound_quotient else None)
            if op is None:
                raise self.error(assignment, "integer division assignment is not supported")
            return ir.Assign(name, kind, op, self.value(assignment.rhs, scope))
        if small.function_call is not None:
            name = small.function_call.get_name()
            if name == "integrate_odes":
                args = small.function_call.get_args()
                if not args:
                    return ir.IntegrateODEs()
                names = []
                for arg in args:
                    variable = arg.get_variable() if isinstance(arg, ASTSimpleExpression) else None
                    if variable is None or self.kinds.get(variable.get_complete_name()) != "state":
                        raise self.error(arg, "integrate_odes() takes state variables")
                    names.append(variable.get_complete_name())
                return ir.IntegrateODEs(tuple(names))
            if name == "emit_spike":
                return ir.EmitSpike()
            raise self.error(small.function_call, f"statement call of '{name}' is not supported")
        if small.return_stmt is not None:
            return ir.Return(self.value(small.return_stmt.get_expression(), scope))
        raise self.error(small, f"unsupported statement '{small}'")

    def _compound(self, compound, scope):
        if not compound.is_if_stmt():
            raise self.error(compound, "only if/elif/else compound statements are supported")
        stmt = compound.get_if_stmt()
        clauses = [stmt.get_if_clause(), *stmt.get_elif_clauses()]
        branches = tuple((self.value(c.get_condition(), scope), self.statements(c.get_stmts_body(), scope))
                         for c in clauses)
        orelse = self.statements(stmt.get_else_clause().get_stmts_body(), scope) \
            if stmt.has_else_clause() else ()
        return ir.If(branches, orelse)


def _apply(expr, factor: Fraction) -> ir.Expr:
    if factor == 1:
        return expr
    if isinstance(expr, ir.Num):
        return ir.Num(float(Fraction(repr(expr.value)) * factor))
    return ir.Binary("*", expr, ir.Num(float(factor)))


def _is_one(expr) -> bool:
    return isinstance(expr, ir.Num) and expr.value == 1


def _operator(op):
    text = str(op).strip()
    mapping = {"+": "+", "-": "-", "*": "*", "/": "/", "%": "%", "**": "**",
               "<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!=", "<>": "!=",
               "and": "and", "or": "or"}
    return mapping.get(text)


def _type_name(data_type) -> str:
    if data_type.is_integer:
        return "integer"
    if data_type.is_boolean:
        return "boolean"
    return "real"
