using System.Text.Json;

namespace TrialManager.Api.Infrastructure;

/// <summary>Field names in errors use the request's own spelling: "arms[0].code", not "Arms[0].Code" or "$.arms[0].code".</summary>
public static class JsonPaths
{
    public static string ToField(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return "";
        var trimmed = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return string.Join('.', trimmed.Split('.').Select(part => JsonNamingPolicy.CamelCase.ConvertName(part)));
    }
}
