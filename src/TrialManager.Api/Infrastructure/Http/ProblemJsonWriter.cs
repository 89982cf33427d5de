using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// Writes every problem as application/problem+json, whatever the request's Accept header says: the framework's
/// own writer declines a client that accepts only XML or CSV, and an error must still reach it, named and readable.
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Status ??= context.HttpContext.Response.StatusCode;
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(problem, jsonOptions.Value.SerializerOptions,
            contentType: "application/problem+json"));
    }
}
