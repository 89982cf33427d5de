using System.Text;
using System.Text.Json;
using TrialManager.Api.Features.Audit;
using TrialManager.Data.Audit;

namespace TrialManager.Tests.Unit.Audit;

public sealed class AuditSealTests
{
    private static readonly byte[] Salt = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    /// <summary>An allocation event as the interceptor writes it: the arm sealed, and the reason with it.</summary>
    private static AuditEvent Sealed(string arm = "intervention", string reason = "team ready")
    {
        var opening = new AuditSeal.Opening("arm", false, Encoding.UTF8.GetBytes($"\"{arm}\""), Salt);
        var sealedReason = new AuditSeal.Opening("reason", false, AuditSeal.StringJson(reason), [.. Salt.Reverse()]);
        return new AuditEvent
        {
            Id = Guid.CreateVersion7(), ChainId = Guid.CreateVersion7(), Action = "insert", EntityType = "allocation",
            Changes = $$"""[{"field":"clusterId","old":null,"new":"c1"},{"field":"arm","old":null,"new":{"commitment":"{{opening.Commitment}}"},"blinded":true}]""",
            ReasonCommitment = sealedReason.Commitment,
            SealedValues = AuditSeal.WriteSealedValues([opening], sealedReason),
            PreviousHash = [], Hash = [],
        };
    }

    [Test]
    public void A_commitment_is_sha256_of_the_salt_and_the_values_json_text() =>
        Assert.That(AuditSeal.Commit(Salt, "\"intervention\""u8), Is.EqualTo("6f34cf96c964c205a43b803a695bafdd680d0e6ca1e819dad20cbbd9b647748e"));

    [Test]
    public void Fresh_salts_make_equal_values_commit_differently()
    {
        using var random = System.Security.Cryptography.RandomNumberGenerator.Create();
        var commitments = Enumerable.Range(0, 100).Select(_ => AuditSeal.Commit(AuditSeal.NewSalt(random), "\"control\""u8)).ToHashSet();
        Assert.That(commitments, Has.Count.EqualTo(100));
    }

    [Test]
    public void A_blinded_reader_sees_a_sealed_change_exactly_as_it_is_hashed()
    {
        var e = Sealed();
        var view = AuditEventView.Of(e, seesEveryArm: false);
        Assert.Multiple(() =>
        {
            Assert.That(AuditRedaction.ToJson(view.Changes), Is.EqualTo(e.Changes));
            Assert.That(JsonSerializer.Serialize(view, JsonSerializerOptions.Web), Does.Not.Contain("intervention").And.Not.Contain("team ready"));
            Assert.That(view.Reason, Is.EqualTo(AuditFields.RedactedValue));
            Assert.That(view.ReasonCommitment, Is.EqualTo(e.ReasonCommitment));
            Assert.That(view.ReasonSalt, Is.Null);
            Assert.That(view.Changes[0].New!.GetValue<string>(), Is.EqualTo("c1"), "unsealed fields are untouched");
        });
    }

    [Test]
    public void A_reader_who_sees_every_arm_gets_the_value_and_the_salt_that_opens_it()
    {
        var view = AuditEventView.Of(Sealed(), seesEveryArm: true);
        var arm = view.Changes[1];
        Assert.Multiple(() =>
        {
            Assert.That(arm.New!.GetValue<string>(), Is.EqualTo("intervention"));
            Assert.That(arm.Sealed!.New!.Salt, Is.EqualTo(Convert.ToHexStringLower(Salt)));
            Assert.That(AuditSeal.Commit(Convert.FromHexString(arm.Sealed.New.Salt), Encoding.UTF8.GetBytes(arm.New.ToJsonString())),
                Is.EqualTo(arm.Sealed.New.Commitment));
            Assert.That(arm.Sealed.Old, Is.Null, "an insert has no old value to seal");
            Assert.That(view.Reason, Is.EqualTo("team ready"));
        });
    }

    [Test]
    public void Kept_values_that_open_their_commitments_pass_the_check() =>
        Assert.That(AuditSeal.Check(Sealed().Changes, Sealed().ReasonCommitment, Sealed().SealedValues), Is.Empty);

    [Test]
    public void A_swapped_value_a_missing_opening_and_a_bad_salt_are_found_without_naming_the_value()
    {
        var e = Sealed();
        var swapped = e.SealedValues!.Replace("intervention", "control");
        var missing = AuditSeal.WriteSealedValues([], null);
        var badSalt = e.SealedValues!.Replace(Convert.ToHexStringLower(Salt), "zz" + Convert.ToHexStringLower(Salt)[2..]);
        Assert.Multiple(() =>
        {
            Assert.That(AuditSeal.Check(e.Changes, e.ReasonCommitment, swapped), Is.EqualTo(new[] { "the sealed new value of 'arm' does not match its commitment" }));
            Assert.That(AuditSeal.Check(e.Changes, e.ReasonCommitment, missing),
                Is.EqualTo(new[] { "the sealed new value of 'arm' is missing", "the sealed reason is missing" }));
            Assert.That(AuditSeal.Check(e.Changes, e.ReasonCommitment, badSalt), Has.Some.Contains("does not match"));
            Assert.That(AuditSeal.Check(e.Changes, e.ReasonCommitment, null).ToList(), Has.Count.EqualTo(2));
        });
    }

    [Test]
    public void Events_from_before_sealing_show_blinded_readers_a_redaction_instead()
    {
        var legacy = new AuditEvent
        {
            Id = Guid.CreateVersion7(), ChainId = Guid.CreateVersion7(), Action = "insert", EntityType = "allocation", Format = 1,
            Changes = """[{"field":"clusterId","old":null,"new":"c1"},{"field":"arm","old":null,"new":"intervention","blinded":true}]""",
            Reason = "because intervention", PreviousHash = [], Hash = [],
        };
        var blinded = AuditEventView.Of(legacy, seesEveryArm: false);
        Assert.Multiple(() =>
        {
            Assert.That(JsonSerializer.Serialize(blinded, JsonSerializerOptions.Web), Does.Not.Contain("intervention"));
            Assert.That(blinded.Changes[1].New!.GetValue<string>(), Is.EqualTo(AuditFields.RedactedValue));
            Assert.That(blinded.Changes[1].Old, Is.Null, "a missing value stays missing");
            Assert.That(blinded.CanonicalVersion, Is.EqualTo("tm-audit-v1"));
            Assert.That(AuditEventView.Of(legacy, seesEveryArm: true).Changes[1].New!.GetValue<string>(), Is.EqualTo("intervention"));
        });
    }
}
