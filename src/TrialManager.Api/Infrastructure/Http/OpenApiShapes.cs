using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using TrialManager.Api.Features.Randomisation;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// Schemas of the JSON values that have no C# type of their own (answers, scores, covariates, evidence, settings),
/// added to the document's components the first time one is asked for.
/// </summary>
internal sealed class OpenApiShapes(ISchemaGenerator generator, SchemaRepository repository)
{
    /// <summary>Marks a value that may deliberately be any JSON, so that the lint can tell it from a forgotten type.</summary>
    public const string AnyJsonExtension = "x-any-json";

    /// <summary>An item's answer: a number (integer and decimal items, missing-data codes), text (choice, text and date items) or null.</summary>
    public IOpenApiSchema AnswerValue => Component("AnswerValue", () => new OpenApiSchema
    {
        Description = "An item's answer: a number for integer and decimal items and missing-data codes, a string for choice, text and " +
            "date (yyyy-mm-dd) items, or null for no answer.",
        OneOf = [new OpenApiSchema { Type = JsonSchemaType.Number }, new OpenApiSchema { Type = JsonSchemaType.String }],
        Type = JsonSchemaType.Null,
    });

    public IOpenApiSchema Answers => new OpenApiSchema
    {
        Type = JsonSchemaType.Object,
        Description = "Answers by item code.",
        AdditionalPropertiesAllowed = true,
        AdditionalProperties = AnswerValue,
    };

    public IOpenApiSchema Scores => new OpenApiSchema
    {
        Type = JsonSchemaType.Object,
        Description = "Scale scores by scale code: null when too few of the scale's items were answered.",
        AdditionalPropertiesAllowed = true,
        AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Number | JsonSchemaType.Null, Format = "double" },
    };

    public IOpenApiSchema Covariates => new OpenApiSchema
    {
        Type = JsonSchemaType.Object,
        Description = "Covariates by name: a number is numeric (caseload), a string a category (team type).",
        AdditionalPropertiesAllowed = true,
        AdditionalProperties = Component("CovariateValue", () => new OpenApiSchema
        {
            Description = "A numeric covariate's value or a categorical covariate's level.",
            OneOf = [new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double" }, new OpenApiSchema { Type = JsonSchemaType.String }],
        }),
    };

    public IOpenApiSchema Sequences => new OpenApiSchema
    {
        Type = JsonSchemaType.Object,
        Description = "The sealed allocation sequence of each stratum known at sealing (stratified blocks), by stratum.",
        AdditionalPropertiesAllowed = true,
        AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
    };

    /// <summary>The stored settings of a scheme are its validated definition with the defaults filled in.</summary>
    public IOpenApiSchema Settings => generator.GenerateSchema(typeof(SchemeDefinition), repository);

    public IOpenApiSchema Evidence => Component("AllocationEvidence", () =>
    {
        static OpenApiSchema Number(string description) => new() { Type = JsonSchemaType.Number, Format = "double", Description = description };
        static OpenApiSchema Count(string description) => new() { Type = JsonSchemaType.Integer, Format = "int64", Description = description };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Why the cluster got its arm: the imbalance of each arm and the rule applied (minimisation), or the chosen " +
                "allocation's score and rank in the constrained space (constrained). Absent for simple and stratified-block schemes.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["imbalance"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object, Description = "Minimisation: the total imbalance if the cluster went to each arm, by arm code.",
                    AdditionalPropertiesAllowed = true, AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double" },
                },
                ["rule"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Description = "Minimisation: how the arm was chosen.",
                    Enum = OpenApiVocabulary.AsEnum(OpenApiVocabulary.MinimisationRuleWords),
                },
                ["score"] = Number("Constrained: the balance score of the chosen allocation."),
                ["listingPosition"] = Count("Constrained: the chosen allocation's position in the listing of candidates."),
                ["rank"] = Count("Constrained: the chosen allocation's rank by score."),
                ["candidateCount"] = Count("Constrained: allocations scored."),
                ["constrainedCount"] = Count("Constrained: allocations in the constrained space."),
                ["cutoffScore"] = Number("Constrained: the highest score in the constrained space."),
                ["exhaustive"] = new OpenApiSchema { Type = JsonSchemaType.Boolean, Description = "Constrained: whether every allocation was scored." },
            },
        };
    });

    public static OpenApiSchema AnyJson(string description) => new()
    {
        Description = description,
        Extensions = new Dictionary<string, IOpenApiExtension> { [AnyJsonExtension] = new JsonNodeExtension(JsonValue.Create(true)) },
    };

    private IOpenApiSchema Component(string id, Func<OpenApiSchema> create) =>
        repository.Schemas.ContainsKey(id) ? new OpenApiSchemaReference(id) : repository.AddDefinition(id, create());
}
