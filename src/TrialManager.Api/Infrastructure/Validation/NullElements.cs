using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Infrastructure.Validation;

/// <summary>
/// A list in a request may not hold nulls (`arms: [null]`, `entries: [null]`): every element of every list in a
/// request, at any depth, is checked before its validators run, so that no validator or handler meets one.
/// </summary>
public static class NullElements
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    public static IReadOnlyList<Violation> Find(object request)
    {
        var found = new List<Violation>();
        Walk(request, "", found, depth: 0);
        return found;
    }

    private static void Walk(object value, string path, List<Violation> found, int depth)
    {
        if (depth > 16)
            return;
        foreach (var property in Properties.GetOrAdd(value.GetType(), Readable))
        {
            var child = property.GetValue(value);
            // A command that wraps its request body as `Body` names fields as the body does.
            var name = path.Length == 0 && property.Name == "Body" ? "" : Join(path, JsonNamingPolicy.CamelCase.ConvertName(property.Name));
            switch (child)
            {
                case null or string or JsonElement:
                    break;
                case IDictionary:
                    break;
                case IEnumerable items:
                    var i = 0;
                    foreach (var item in items)
                    {
                        if (item is null)
                            found.Add(new Violation($"{name}[{i}]", "not-null", $"'{name}' may not hold null elements."));
                        else if (IsOurs(item.GetType()))
                            Walk(item, $"{name}[{i}]", found, depth + 1);
                        i++;
                    }
                    break;
                default:
                    if (IsOurs(child.GetType()))
                        Walk(child, name, found, depth + 1);
                    break;
            }
        }
    }

    private static PropertyInfo[] Readable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.CanRead).ToArray();

    /// <summary>Request shapes are the service's own records; framework types are not walked.</summary>
    private static bool IsOurs(Type type) => type.Namespace?.StartsWith("TrialManager.", StringComparison.Ordinal) == true;

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
