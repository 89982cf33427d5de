using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrialManager.Tests.Integration.Http;

/// <summary>
/// The committed snapshot of the OpenAPI document (tests/TrialManager.ApiClient/openapi.json), from which the typed
/// client of the tests is generated at build time, and the running service's document in the same form.
/// </summary>
public static class OpenApiDocument
{
    /// <summary>Set to 1 to write the running service's document over the snapshot instead of comparing them.</summary>
    public const string UpdateVariable = "TRIALMANAGER_UPDATE_OPENAPI";

    public static string SnapshotPath
    {
        get
        {
            var folder = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "TrialManager.sln")))
                folder = folder.Parent;
            return Path.Combine(folder?.FullName ?? throw new InvalidOperationException("No TrialManager.sln above the test folder."),
                "tests", "TrialManager.ApiClient", "openapi.json");
        }
    }

    public static async Task<JsonNode> ReadAsync(ApiClient api)
    {
        var answer = await api.Get("/swagger/v1/swagger.json");
        Assert.That(answer.Code, Is.EqualTo(200), answer.ToString());
        return answer.Json!;
    }

    /// <summary>Indented, with non-ASCII text as it is, and one newline at the end: the form the snapshot is kept in.</summary>
    public static string Text(JsonNode document) =>
        document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
}
