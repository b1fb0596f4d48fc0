"""graphql-core's messages in French: syntax errors, the specification's validation, variable coercion.

Users read every message in French; graphql-core writes them in English. Each known message form is
rewritten whole (names, types and values kept as they are, quoted « like this »); the parts a message
nests (a coercion error inside a variable's, suggestions) are rewritten the same way. A message of no
known form keeps its English behind a French preamble, so that it is never silently untranslated.
"""

from __future__ import annotations

import re

Q = r"'([^']*)'"  # a quoted name, type or value


def _list(items: str) -> str:
    """'a', 'b', or 'c' → « a », « b » ou « c »."""
    names = re.findall(r"'([^']*)'", items)
    quoted = [f"« {name} »" for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " ou " + quoted[-1]


def _suggestion(match: re.Match) -> str:
    what = {"the enum value": "la valeur "}.get((match.group(1) or "").strip(), "")
    return f" Vouliez-vous dire {what}{_list(match.group(2))} ?"


SUGGESTION = re.compile(r" Did you mean (the enum value )?((?:'[^']*'(?:, |,? or )?)+)\?")

# (form, French): groups of the form are the names it quotes.
RULES: list[tuple[str, str]] = [
    # Syntax (graphql.language)
    (r"Syntax Error: (.*)", "Erreur de syntaxe : {syntax}"),
    # Validation (graphql.validation.rules)
    (rf"Cannot query field {Q} on type {Q}\.", "Le champ « {0} » n'existe pas sur le type « {1} »."),
    (rf"Unknown argument {Q} on field {Q}\.", "L'argument « {0} » n'existe pas sur le champ « {1} »."),
    (
        rf"Unknown argument {Q} on directive {Q}\.",
        "L'argument « {0} » n'existe pas sur la directive « {1} ».",
    ),
    (
        rf"Field {Q} argument {Q} of type {Q} is required, but it was not provided\.",
        "L'argument « {1} » (type « {2} ») du champ « {0} » est obligatoire.",
    ),
    (
        rf"Directive {Q} argument {Q} of type {Q} is required, but it was not provided\.",
        "L'argument « {1} » (type « {2} ») de la directive « {0} » est obligatoire.",
    ),
    (
        rf"Field {Q} must not have a selection since type {Q} has no subfields\.",
        "Le champ « {0} » n'a pas de sous-champs (type « {1} ») : ne sélectionnez rien dessous.",
    ),
    (
        rf"Field {Q} of type {Q} must have a selection of subfields\.",
        "Le champ « {0} » (type « {1} ») demande une sélection de sous-champs.",
    ),
    (
        rf"Field {Q} of type {Q} must have at least one field selected\.",
        "Le champ « {0} » (type « {1} ») demande au moins un sous-champ.",
    ),
    (
        rf"Expected value of type {Q}, found (.*?); (.*)",
        "Valeur de type « {0} » attendue, {1} trouvé : {nested2}",
    ),
    (rf"Expected value of type {Q}, found (.*)\.", "Valeur de type « {0} » attendue, {1} trouvé."),
    (
        rf"Field {Q} of required type {Q} was not provided\.",
        "Le champ « {0} » (type « {1} ») est obligatoire.",
    ),
    (rf"Field {Q} is not defined by type {Q}\.", "Le champ « {0} » n'existe pas dans le type « {1} »."),
    (rf"Field {Q} must be non-null\.", "Le champ « {0} » ne peut pas être nul."),
    (rf"OneOf Input Object {Q} must specify exactly one key\.", "« {0} » attend exactement un champ."),
    (rf"Exactly one key must be specified for OneOf type {Q}\.", "« {0} » attend exactement un champ."),
    (rf"Unknown type {Q}\.", "Type « {0} » inconnu."),
    (rf"Unknown fragment {Q}\.", "Fragment « {0} » inconnu."),
    (rf"Unknown directive {Q}\.", "Directive « {0} » inconnue."),
    (rf"Directive {Q} may not be used on (.*)\.", "La directive « {0} » ne s'emploie pas sur {1}."),
    (
        rf"The directive {Q} can only be used once at this location\.",
        "La directive « {0} » ne s'emploie qu'une fois à cet endroit.",
    ),
    (rf"Fragment {Q} is never used\.", "Le fragment « {0} » n'est jamais utilisé."),
    (
        rf"Cannot spread fragment {Q} within itself(?: via (.*))?\.",
        "Le fragment « {0} » s'inclut lui-même{via}.",
    ),
    (
        rf"Fragment {Q} cannot be spread here as objects of type {Q} can never be of type {Q}\.",
        "Le fragment « {0} » ne peut pas être inclus ici : un « {1} » n'est jamais un « {2} ».",
    ),
    (
        rf"Fragment cannot be spread here as objects of type {Q} can never be of type {Q}\.",
        "Ce fragment ne peut pas être inclus ici : un « {0} » n'est jamais un « {1} ».",
    ),
    (
        rf"Fragment {Q} cannot condition on non composite type {Q}\.",
        "Le fragment « {0} » ne peut pas porter sur le type simple « {1} ».",
    ),
    (
        rf"Fragment cannot condition on non composite type {Q}\.",
        "Un fragment ne peut pas porter sur le type simple « {0} ».",
    ),
    (
        rf"There can be only one (?:operation|fragment|argument|variable|input field|directive) named {Q}\.",
        "Le nom « {0} » est employé deux fois.",
    ),
    (
        r"This anonymous operation must be the only defined operation\.",
        "Une opération sans nom doit être la seule du document.",
    ),
    (rf"Unknown operation named {Q}\.", "Aucune opération ne s'appelle « {0} »."),
    (
        r"Must provide operation name if query contains multiple operations\.",
        "Le document contient plusieurs opérations : indiquez laquelle exécuter (operationName).",
    ),
    (
        rf"Variable {Q} is not defined by operation {Q}\.",
        "La variable « {0} » n'est pas déclarée par l'opération « {1} ».",
    ),
    (rf"Variable {Q} is not defined\.", "La variable « {0} » n'est pas déclarée."),
    (
        rf"Variable {Q} is never used in operation {Q}\.",
        "La variable « {0} » n'est pas utilisée par l'opération « {1} ».",
    ),
    (rf"Variable {Q} is never used\.", "La variable « {0} » n'est pas utilisée."),
    (
        rf"Variable {Q} cannot be non-input type {Q}\.",
        "La variable « {0} » ne peut pas être du type « {1} » (pas un type d'entrée).",
    ),
    (
        rf"Variable {Q} of type {Q} used in position expecting type {Q}\.",
        "La variable « {0} » est de type « {1} », là où « {2} » est attendu.",
    ),
    (
        rf"(?:Subscription {Q}|Anonymous Subscription) must select only one top level field\.",
        "Un abonnement ne sélectionne qu'un champ de premier niveau.",
    ),
    (
        rf"(?:Subscription {Q}|Anonymous Subscription) must not select an introspection top level field\.",
        "Un abonnement ne peut pas sélectionner un champ d'introspection.",
    ),
    (
        rf"The {Q} definition is not executable\.",
        "La définition « {0} » n'est pas exécutable (seules les opérations et les fragments le sont).",
    ),
    (
        r"The (.*) definition is not executable\.",
        "La définition {0} n'est pas exécutable (seules les opérations et les fragments le sont).",
    ),
    (
        rf"Fields {Q} conflict because (.*)\. Use different aliases on the fields to fetch both if this was intentional\.",
        "Les champs « {0} » se contredisent ({reason}) : donnez-leur des alias différents.",
    ),
    # Variables and arguments at execution (graphql.execution.values, graphql.utilities.coerce_input_value)
    (
        rf"Variable {Q} of required type {Q} was not provided\.",
        "La variable « {0} » (type « {1} ») est obligatoire.",
    ),
    (
        rf"Variable {Q} of non-null type {Q} must not be null\.",
        "La variable « {0} » (type « {1} ») ne peut pas être nulle.",
    ),
    (
        rf"Variable {Q} got invalid value (.*?)(?: at {Q})?; (.*)",
        "Valeur invalide pour la variable « {0} »{at}: {nested3}",
    ),
    (
        rf"Variable {Q} expected value of type {Q} which cannot be used as an input type\.",
        "La variable « {0} » attend le type « {1} », qui n'est pas un type d'entrée.",
    ),
    (
        rf"Argument {Q} of required type {Q} was not provided\.",
        "L'argument « {0} » (type « {1} ») est obligatoire.",
    ),
    (
        rf"Argument {Q} of non-null type {Q} must not be null\.",
        "L'argument « {0} » (type « {1} ») ne peut pas être nul.",
    ),
    (rf"Argument {Q} has invalid value (.*)\.", "Valeur invalide pour l'argument « {0} » : {1}."),
    (
        rf"Argument {Q} of required type {Q} was provided the variable {Q} which was not provided a runtime value\.",
        "L'argument « {0} » (type « {1} ») reçoit la variable « {2} », qui n'a pas de valeur.",
    ),
    (rf"Expected type {Q}\. (.*)", "Type « {0} » attendu. {nested1}"),
    (rf"Expected type {Q} to be a (?:mapping|dict|object)\.", "Un objet de type « {0} » est attendu."),
    (rf"Expected type {Q}\.", "Type « {0} » attendu."),
    (rf"Expected non-nullable type {Q} not to be None\.", "Une valeur de type « {0} » est obligatoire."),
    (r"Variable values are nested too deeply\.", "Les valeurs des variables sont trop imbriquées."),
    (
        r"Too many errors processing variables, error limit reached\. Execution aborted\.",
        "Trop d'erreurs dans les variables : exécution interrompue.",
    ),
    # Scalars and enums (graphql.type)
    (r"Int cannot represent non-integer value: (.*)", "Un entier (Int) est attendu, pas {0}."),
    (
        r"Int cannot represent non 32-bit signed integer value: (.*)",
        "Un entier (Int) tient sur 32 bits : {0} est hors limites.",
    ),
    (r"Float cannot represent non numeric value: (.*)", "Un nombre (Float) est attendu, pas {0}."),
    (r"String cannot represent a non string value: (.*)", "Une chaîne (String) est attendue, pas {0}."),
    (r"Boolean cannot represent a non boolean value: (.*)", "Un booléen (Boolean) est attendu, pas {0}."),
    (
        r"ID cannot represent a non-string and non-integer value: (.*)",
        "Un identifiant (ID) est une chaîne ou un entier, pas {0}.",
    ),
    (r"ID cannot represent value: (.*)", "Un identifiant (ID) est une chaîne ou un entier, pas {0}."),
    (rf"Value {Q} does not exist in {Q} enum\.", "« {0} » n'est pas une valeur de « {1} »."),
    (r"(\w+) cannot represent non-string value: (.*)", "Le type « {0} » attend une chaîne, pas {1}."),
    (r"(\w+) cannot represent value: (.*)", "Valeur invalide pour le type « {0} » : {1}."),
    (rf"Enum {Q} cannot represent non-enum value: (.*?)\.", "« {1} » n'est pas une valeur de « {0} »."),
    (rf"Enum {Q} cannot represent non-string value: (.*?)\.", "« {1} » n'est pas une valeur de « {0} »."),
]

SYNTAX: list[tuple[str, str]] = [
    (r"Expected (.*), found (.*)\.", "{0} attendu, {1} trouvé."),
    (r"Unexpected character: (.*)\.", "caractère inattendu : {0}."),
    (r"Unexpected (.*)\.", "{0} inattendu."),
    (r"Unterminated string\.", "chaîne non terminée."),
    (r"Invalid number, (.*)", "nombre invalide ({0})"),
    (r"Invalid character escape sequence: (.*)\.", "séquence d'échappement invalide : {0}."),
    (r"Invalid Unicode escape sequence: (.*)\.", "séquence Unicode invalide : {0}."),
    (r"Invalid character within String: (.*)\.", "caractère invalide dans une chaîne : {0}."),
]
_COMPILED = [(re.compile(form + r"\Z", re.S), french) for form, french in RULES]
_SYNTAX = [(re.compile(form + r"\Z", re.S), french) for form, french in SYNTAX]
PREAMBLE = "Requête GraphQL invalide : "


def _quote(value: str | None) -> str:
    return value if value is not None else ""


def _reason(reason: str) -> str:
    reason = re.sub(
        rf"{Q} and {Q} are different fields", r"« \1 » et « \2 » sont des champs différents", reason
    )
    reason = reason.replace("they have differing arguments", "leurs arguments diffèrent")
    reason = re.sub(
        rf"they return conflicting types {Q} and {Q}", r"ils renvoient les types « \1 » et « \2 »", reason
    )
    reason = re.sub(rf"subfields {Q} conflict because", r"les sous-champs « \1 » se contredisent :", reason)
    return reason.replace(" and ", " et ")


def french(message: str) -> str:
    """The message in French (unchanged when it is French already)."""
    suggestion = ""
    found = SUGGESTION.search(message)
    if found:
        suggestion = _suggestion(found)
        message = message[: found.start()] + message[found.end() :]
    for pattern, template in _COMPILED:
        match = pattern.match(message)
        if match is None:
            continue
        groups = [_quote(g) for g in match.groups()]
        extra = {}
        if "{syntax}" in template:
            extra["syntax"] = _syntax(groups[0])
        if "{via}" in template:
            extra["via"] = f" (par {_list(match.group(2))})" if match.group(2) else ""
        if "{reason}" in template:
            extra["reason"] = _reason(groups[1])
        if "{at}" in template:
            extra["at"] = f" (en « {groups[2]} ») " if groups[2] else " "
        for index in range(len(groups)):
            if f"{{nested{index}}}" in template:
                extra[f"nested{index}"] = french(groups[index])
        return template.format(*groups, **extra) + suggestion
    if _looks_french(message):
        return message + suggestion
    return PREAMBLE + message + suggestion


TOKENS = {"<EOF>": "la fin du document", "Name": "un nom"}


def _syntax(description: str) -> str:
    for pattern, template in _SYNTAX:
        match = pattern.match(description)
        if match:
            return template.format(*[TOKENS.get(g, _quote(g)) for g in match.groups()])
    return description


def _looks_french(message: str) -> bool:
    return bool(re.search(r"[éèêàùçôî«]|\b(le|la|les|des|une|est|doit|pas)\b", message))


def code_of(message: str) -> str:
    """The `extensions.code` of a graphql-core error, from its (English) message."""
    if message.startswith("Syntax Error:"):
        return "GRAPHQL_PARSE_FAILED"
    if re.match(
        r"(Variable '\$[^']*' (got invalid value|of required type|of non-null type)|Argument ')", message
    ):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"
