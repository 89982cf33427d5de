namespace TrialManager.Tests.Integration.Http;

public sealed class OpenApiSnapshotTests : IntegrationTest
{
    [Test]
    public async Task The_committed_document_is_the_running_services_document()
    {
        var running = OpenApiDocument.Text(await OpenApiDocument.ReadAsync(Api));
        var path = OpenApiDocument.SnapshotPath;
        if (Environment.GetEnvironmentVariable(OpenApiDocument.UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, running);
            Assert.Pass($"Wrote {path}.");
        }
        var committed = File.Exists(path) ? (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n") : "";
        Assert.That(running, Is.EqualTo(committed),
            $"The API's OpenAPI document changed: review the difference and refresh the snapshot (and the generated client) with " +
            $"{OpenApiDocument.UpdateVariable}=1 deploy/local/test.sh --filter FullyQualifiedName~OpenApiSnapshot");
    }
}
