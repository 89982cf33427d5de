using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace TrialManager.Api.Infrastructure.Http;

public static class OpenApiSetup
{
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddTrialManagerOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "TrialManager API",
                Version = "v1",
                Description = "Data management for cluster randomised controlled trials. Authenticate with `Authorization: Bearer <api token>`.",
            });
            options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = BearerScheme,
                Description = "An API token issued by POST /api/v1/users/{userId}/tokens.",
            });
            options.OperationFilter<SharedResponsesFilter>();
            options.CustomSchemaIds(type => (type.FullName ?? type.Name).Replace("TrialManager.Api.Features.", "").Replace('+', '.'));
        });
        return services;
    }

    /// <summary>Every API route needs the bearer token and can answer 401, 429 and 500 with problem details.</summary>
    private sealed class SharedResponsesFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (context.ApiDescription.RelativePath?.StartsWith("api/", StringComparison.Ordinal) != true)
                return;
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
            var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
            operation.Responses ??= [];
            foreach (var (status, description) in new[] { ("401", "Missing, invalid, revoked or expired token"), ("429", "Rate limit reached (see Retry-After)"), ("500", "Unexpected error") })
                operation.Responses.TryAdd(status, new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
                });
        }
    }
}
