using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FluentValidation;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// The fields of request bodies that the validators refuse to do without, found by asking them: each body's
/// validators judge an empty body, and a field they refuse in it by an unconditional rule is required; then a body
/// whose lists and objects hold one empty element each, and a nested field they refuse there is required of that
/// element's type (an arm needs a code). A rule that applies only in some cases (a reason for a status change)
/// makes nothing required. The validators stay the one source: the document follows them.
/// </summary>
internal sealed class RequiredFields(IServiceProvider services)
{
    private const int MaxDepth = 4;
    private readonly Dictionary<Type, HashSet<string>> _required = [];

    /// <summary>The JSON names of the required fields of each type reachable from the given request bodies.</summary>
    public IReadOnlyDictionary<Type, HashSet<string>> Of(IEnumerable<Type> bodies)
    {
        foreach (var body in bodies.Distinct())
            foreach (var validator in services.GetServices(typeof(IValidator<>).MakeGenericType(body)).OfType<IValidator>())
            {
                var descriptor = validator.CreateDescriptor();
                // Rules are named as the global property name resolver names them (camelCase here).
                foreach (var field in Refused(validator, body, RuntimeHelpers.GetUninitializedObject(body)).Where(f => f.Length == 1))
                    if (Member(body, field[0]) is not null && descriptor.GetRulesForMember(field[0])
                            .Any(rule => rule.Components.Any(c => !c.HasCondition && !c.HasAsyncCondition)))
                        Add(body, field[0]);
                foreach (var field in Refused(validator, body, Filled(body, 0)).Where(f => f.Length > 1))
                    if (Owner(body, field[..^1]) is { } owner)
                        Add(owner, field[^1]);
            }
        return _required;
    }

    private void Add(Type type, string field)
    {
        if (!_required.TryGetValue(type, out var fields))
            _required[type] = fields = [];
        fields.Add(field);
    }

    /// <summary>The fields the validator refuses, as paths of JSON names ("arms[0].code" is ["arms", "code"]).</summary>
    private static IEnumerable<string[]> Refused(IValidator validator, Type type, object instance)
    {
        var context = (IValidationContext)Activator.CreateInstance(typeof(ValidationContext<>).MakeGenericType(type), instance)!;
        return validator.Validate(context).Errors
            .Select(e => e.PropertyName.Split('.').Select(part => part.Split('[')[0]).ToArray())
            .Where(path => path.All(part => part.Length > 0));
    }

    /// <summary>An instance with every field empty except lists and objects of records, which hold one such instance.</summary>
    private static object Filled(Type type, int depth)
    {
        var instance = RuntimeHelpers.GetUninitializedObject(type);
        if (depth >= MaxDepth)
            return instance;
        foreach (var property in Properties(type).Where(p => p.SetMethod is not null))
        {
            if (ElementOf(property.PropertyType) is { } element && IsRecord(element))
            {
                var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
                list.Add(Filled(element, depth + 1));
                if (property.PropertyType.IsAssignableFrom(list.GetType()))
                    property.SetValue(instance, list);
            }
            else if (IsRecord(property.PropertyType))
                property.SetValue(instance, Filled(property.PropertyType, depth + 1));
        }
        return instance;
    }

    /// <summary>The type that holds the last field of a path: "arms[0].code" is held by the type of an arm.</summary>
    private static Type? Owner(Type root, IEnumerable<string> path)
    {
        Type? type = root;
        foreach (var part in path)
        {
            var member = type is null ? null : Member(type, part);
            if (member is null)
                return null;
            type = ElementOf(member.PropertyType) ?? member.PropertyType;
        }
        return type;
    }

    /// <summary>The given types and every record type their fields hold, directly or in lists.</summary>
    public static IReadOnlySet<Type> Reachable(IEnumerable<Type> roots)
    {
        var found = new HashSet<Type>();
        var pending = new Stack<Type>(roots);
        while (pending.TryPop(out var type))
        {
            if (!IsRecord(type) || !found.Add(type))
                continue;
            foreach (var property in Properties(type))
                pending.Push(ElementOf(property.PropertyType) ?? property.PropertyType);
        }
        return found;
    }

    private static PropertyInfo? Member(Type type, string jsonName) =>
        Properties(type).FirstOrDefault(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name) == jsonName);

    public static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0);

    private static Type? ElementOf(Type type) =>
        type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type) || type.IsAssignableTo(typeof(IDictionary))
            ? null
            : type.IsArray ? type.GetElementType()
            : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                ?.GetGenericArguments()[0];

    private static bool IsRecord(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type) && type.Namespace?.StartsWith("TrialManager", StringComparison.Ordinal) == true;
}
