using TrialManager.Api.Features.Audit;

namespace TrialManager.Tests.Unit.Audit;

public sealed class AuditRedactionTests
{
    private const string Changes = """
        [{"field":"clusterId","old":null,"new":"c1"},{"field":"arm","old":null,"new":"intervention","blinded":true}]
        """;

    [Test]
    public void A_blinded_reader_sees_that_a_flagged_field_changed_but_not_its_values()
    {
        var changes = AuditRedaction.Changes(Changes, blindedReader: true);
        var json = AuditRedaction.ToJson(changes);
        Assert.Multiple(() =>
        {
            Assert.That(json, Does.Not.Contain("intervention"));
            Assert.That(changes[1].Field, Is.EqualTo("arm"));
            Assert.That(changes[1].New!.GetValue<string>(), Is.EqualTo(AuditFields.RedactedValue));
            Assert.That(changes[1].Old, Is.Null, "a missing value stays missing");
            Assert.That(changes[0].New!.GetValue<string>(), Is.EqualTo("c1"), "unflagged fields are untouched");
        });
    }

    [Test]
    public void An_unblinded_reader_sees_every_value() =>
        Assert.That(AuditRedaction.ToJson(AuditRedaction.Changes(Changes, blindedReader: false)), Does.Contain("intervention"));
}
