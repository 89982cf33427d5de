using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TrialManager.Api.Features.Exports;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Exports;

/// <summary>
/// Exports kept in S3-compatible object storage (`Exports:Storage=s3`), against a local s3rver: a host with its own
/// database (so that the run's main host, whose worker keeps exports in a folder, takes none of its jobs).
/// </summary>
[NonParallelizable]
public sealed class S3ExportTests
{
    private const string Prefix = "tm/exports";
    private S3Server _s3 = null!;
    private TestDatabase _database = null!;
    private ApiFactory _host = null!;
    private ApiClient _api = null!;
    private IExportStorage _storage = null!;
    private IAmazonS3 _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _s3 = await S3Server.StartAsync();
        _database = await TestDatabase.CreateAsync();
        _host = new ApiFactory(_database, _s3.Settings(Prefix));
        _host.StartServer();
        _api = _host.Client();
        _storage = _host.Services.GetRequiredService<IExportStorage>();
        _client = S3ExportStorage.CreateClient(_s3.Options(Prefix));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client?.Dispose();
        if (_host is not null)
            await _host.DisposeAsync();
        if (_database is not null)
            await _database.DisposeAsync();
        if (_s3 is not null)
            await _s3.DisposeAsync();
    }

    [Test]
    public async Task An_export_requested_through_the_api_is_stored_in_s3_and_downloaded_whole()
    {
        var world = await CreateAsync(_api, "S3-REQUEST");
        var export = await ExportAsync(world);
        var exportId = export["id"]!.GetValue<Guid>();
        var download = await ExportWorld.FileAsync(_api, exportId, world.Statistician);
        using var stored = await _client.GetObjectAsync(S3Server.Bucket, $"{Prefix}/{world.TrialId}/{exportId}.zip");
        using var storedBytes = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(storedBytes);

        Assert.Multiple(() =>
        {
            Assert.That(_storage, Is.TypeOf<S3ExportStorage>());
            Assert.That(download.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(download.Bytes, Is.EqualTo(storedBytes.ToArray()), "the download is the object under the prefixed key");
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(download.Bytes)), Is.EqualTo(export["sha256"]!.GetValue<string>()));
            Assert.That(download.Bytes, Has.Length.EqualTo(export["sizeBytes"]!.GetValue<long>()));
            Assert.That(ExportWorld.Entries(download.Bytes).Keys, Does.Contain("participants.csv").And.Contain("manifest.json"));
        });
    }

    [Test]
    public async Task A_large_export_goes_up_as_a_multipart_upload_one_part_in_memory_at_a_time()
    {
        const int parts = 4;
        var key = $"large/{Guid.NewGuid()}.zip";
        var size = (parts - 1) * S3Upload.PartSize + 1_234_567;
        var written = SHA256.Create();
        string[] storedBeforeCompletion = [];
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        await _storage.WriteAsync(key, async (stream, ct) =>
        {
            var chunk = new byte[64 * 1024];
            for (var offset = 0; offset < size; offset += chunk.Length)
            {
                var length = Math.Min(chunk.Length, size - offset);
                Random.Shared.NextBytes(chunk);
                written.TransformBlock(chunk, 0, length, null, 0);
                await stream.WriteAsync(chunk.AsMemory(0, length), ct);
            }
            storedBeforeCompletion = _s3.PendingUploads().SelectMany(Directory.GetFiles).Select(Path.GetFileName).OfType<string>().ToArray();
        }, CancellationToken.None);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        written.TransformFinalBlock([], 0, 0);
        TestContext.Out.WriteLine($"S3 upload of {size / 1048576.0:F1} MiB in {parts} parts: {allocated / 1048576.0:F1} MiB allocated");

        await using var read = await _storage.OpenReadAsync(key, CancellationToken.None);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(storedBeforeCompletion, Is.SupersetOf(new[] { "1", "2", "3" }), "full parts are uploaded as they fill, before the object exists");
            Assert.That(_s3.PendingUploads(), Is.Empty, "the completed upload keeps no parts apart");
            Assert.That(Convert.ToHexStringLower(await SHA256.HashDataAsync(read!)), Is.EqualTo(Convert.ToHexStringLower(written.Hash!)));
            Assert.That(allocated, Is.LessThan(2L * S3Upload.PartSize), "memory is bounded by a part, not by the object");
        });
    }

    [TestCase(false, TypeArgs = [typeof(InvalidOperationException)])]
    [TestCase(true, TypeArgs = [typeof(OperationCanceledException)])]
    public async Task A_write_that_fails_or_is_cancelled_aborts_its_upload_and_leaves_no_object<TFailure>(bool cancel)
        where TFailure : Exception
    {
        var key = $"aborted/{Guid.NewGuid()}.zip";
        using var cancellation = new CancellationTokenSource();
        var pendingWhileWriting = 0;
        var write = _storage.WriteAsync(key, async (stream, ct) =>
        {
            await stream.WriteAsync(new byte[2 * S3Upload.PartSize + 1000], ct);
            pendingWhileWriting = _s3.PendingUploads().Count;
            if (!cancel)
                throw new InvalidOperationException("the extract could not be read");
            await cancellation.CancelAsync();
            await stream.WriteAsync(new byte[S3Upload.PartSize], ct);
        }, cancellation.Token);

        Assert.That(async () => await write, Throws.InstanceOf<TFailure>());
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(pendingWhileWriting, Is.EqualTo(1), "two parts had gone up");
            Assert.That(_s3.PendingUploads(), Is.Empty, "the upload was aborted, its parts removed");
            Assert.That(await _storage.ExistsAsync(key, CancellationToken.None), Is.False);
        });
    }

    [Test]
    public async Task The_expiry_clean_up_deletes_the_object_and_the_download_then_answers_410()
    {
        var world = await CreateAsync(_api, "S3-EXPIRY");
        var expired = (await ExportAsync(world))["id"]!.GetValue<Guid>();
        var kept = (await ExportAsync(world))["id"]!.GetValue<Guid>();
        var key = $"{world.TrialId}/{expired}.zip";
        Assert.That(await _storage.ExistsAsync(key, CancellationToken.None), Is.True);
        await _database.ExecuteAsync($"UPDATE exports SET expires_at = now() - interval '1 hour' WHERE id = '{expired}'");

        await Expect(HttpStatusCode.Accepted, _api.Post("/jobs/export-cleanup/trigger", new { }, TestHost.AdminToken));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await _database.ScalarAsync<string>("SELECT file_key FROM exports WHERE id = $1", expired) is not null && DateTime.UtcNow < deadline)
            await Task.Delay(200);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await _storage.ExistsAsync(key, CancellationToken.None), Is.False);
            Assert.That((await ExportWorld.FileAsync(_api, expired, world.Statistician)).Status, Is.EqualTo(HttpStatusCode.Gone));
            Assert.That((await ExportWorld.FileAsync(_api, kept, world.Statistician)).Status, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task A_host_with_s3_storage_and_no_bucket_does_not_start_and_names_the_setting()
    {
        var settings = _s3.Settings(Prefix);
        settings["Exports:S3:Bucket"] = "";
        await using var host = new ApiFactory(_database, settings);
        Assert.That(host.StartServer, Throws.InstanceOf<OptionsValidationException>()
            .With.Message.Contains("Exports:S3:Bucket"));
    }

    private async Task<System.Text.Json.Nodes.JsonNode> ExportAsync(TrialWorld world)
    {
        var requested = await Expect(HttpStatusCode.Accepted, _api.Post($"{world.Path}/exports", new { format = "csv" }, world.Statistician));
        var status = await ExportWorld.WaitAsync(_api, requested.Id, world.Statistician);
        Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), status.ToJsonString());
        return status;
    }
}
