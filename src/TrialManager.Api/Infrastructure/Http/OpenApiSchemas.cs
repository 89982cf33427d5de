using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// Schemas as the server treats them. A type that clients send (a request body or a part of one) requires what the
/// validators and handlers require, lists no computed property (the server does not read it) and allows unknown
/// fields exactly when the serializer ignores them. A type the server only sends requires every property it always
/// writes; one it leaves out when empty (an arm for a blinded reader) is optional and never null. Fixed words become
/// enums and hand-built JSON values get their shapes (<see cref="OpenApiVocabulary"/>).
/// </summary>
internal sealed class OpenApiSchemas(IApiDescriptionGroupCollectionProvider apis, IServiceProvider services, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    : ISchemaFilter
{
    private readonly Lazy<(IReadOnlySet<Type> Inputs, IReadOnlyDictionary<Type, HashSet<string>> Required)> _sent = new(() =>
    {
        var bodies = apis.ApiDescriptionGroups.Items.SelectMany(g => g.Items).SelectMany(d => d.ParameterDescriptions)
            .Where(p => p.Source == BindingSource.Body).Select(p => p.Type).ToList();
        return (RequiredFields.Reachable(bodies), new RequiredFields(services).Of(bodies));
    });

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties.Count: > 0 } definition || context.MemberInfo is not null || context.ParameterInfo is not null)
            return;
        var type = context.Type;
        var shapes = new OpenApiShapes(context.SchemaGenerator, context.SchemaRepository);
        foreach (var name in definition.Properties.Keys.ToList())
        {
            if (OpenApiVocabulary.Shapes.TryGetValue((type, name), out var shape))
                definition.Properties[name] = shape(shapes);
            if (OpenApiVocabulary.Fields.TryGetValue((type, name), out var words) && definition.Properties[name] is OpenApiSchema field)
                field.Enum = OpenApiVocabulary.AsEnum(words);
        }

        if (type == typeof(ProblemDetails))
            DescribeProblem(definition, context);
        else if (_sent.Value.Inputs.Contains(type))
            DescribeInput(definition, type);
        else
            DescribeOutput(definition, type);
    }

    private void DescribeInput(OpenApiSchema definition, Type type)
    {
        foreach (var (name, _) in definition.Properties!.Where(p => p.Value.ReadOnly).ToList())
            definition.Properties!.Remove(name);
        var required = _sent.Value.Required.GetValueOrDefault(type)?.ToHashSet() ?? [];
        required.UnionWith(OpenApiVocabulary.RequiredByHandlers.GetValueOrDefault(type) ?? []);
        Require(definition, required, neverNull: true);
        var refused = json.Value.SerializerOptions.UnmappedMemberHandling == JsonUnmappedMemberHandling.Disallow;
        definition.AdditionalPropertiesAllowed = !refused;
        definition.AdditionalProperties = null;
    }

    private static void DescribeOutput(OpenApiSchema definition, Type type)
    {
        var required = new HashSet<string>();
        var withoutNulls = OpenApiVocabulary.WrittenWithoutNulls.Contains(type);
        foreach (var property in RequiredFields.Properties(type))
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            if (!definition.Properties!.TryGetValue(name, out var schema))
                continue;
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault }
                || (withoutNulls && schema.Type?.HasFlag(JsonSchemaType.Null) == true))
            {
                if (schema is OpenApiSchema { Type: { } written } optional)
                    optional.Type = written & ~JsonSchemaType.Null;
            }
            else
                required.Add(name);
        }
        Require(definition, required, neverNull: false);
        definition.AdditionalPropertiesAllowed = true;
        definition.AdditionalProperties = null;
    }

    /// <summary>Problem details carry the request id, and for refused input the broken rules by field.</summary>
    private static void DescribeProblem(OpenApiSchema definition, SchemaFilterContext context)
    {
        var properties = definition.Properties!;
        properties["requestId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's id, as in X-Request-Id and the audit trail." };
        properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String };
        properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object, Description = "Messages by field (a JSON path in camelCase) for refused input.",
            AdditionalPropertiesAllowed = true,
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        properties["violations"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array, Description = "Each broken rule: the field, the rule's name and a message.",
            Items = context.SchemaGenerator.GenerateSchema(typeof(Violation), context.SchemaRepository),
        };
        Require(definition, ["status", "title", "requestId"], neverNull: true);
        definition.AdditionalPropertiesAllowed = true;
        definition.AdditionalProperties = null;
    }

    /// <summary>A field a client must send is also never null: the rules that require it refuse null as well.</summary>
    private static void Require(OpenApiSchema definition, IEnumerable<string> names, bool neverNull)
    {
        definition.Required = new SortedSet<string>(names.Where(definition.Properties!.ContainsKey), StringComparer.Ordinal);
        foreach (var name in definition.Required.Where(_ => neverNull))
            if (definition.Properties![name] is OpenApiSchema { Type: { } type } field)
                field.Type = type & ~JsonSchemaType.Null;
    }
}
