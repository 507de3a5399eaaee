"""Build the demo documents about the fictional Halvorsen Lantern Cooperative (demo/documents/).

    python -m demo.build

The facts in them have known answers: the tests and the retrieval regression gate ask about them.
"""

from pathlib import Path
from typing import Any

from demo.pdfwriter import make_pdf

OUT = Path(__file__).resolve().parent / "documents"

HANDBOOK_PAGES = [
    "Halvorsen Lantern Cooperative Employee Handbook\n"
    "Welcome to the Halvorsen Lantern Cooperative. This handbook explains how we work together, what you can "
    "expect from the cooperative and what the cooperative expects from you. It applies to every member of staff "
    "in the Tromso workshop, the Bergen showroom and the remote sales team.\n"
    "Working hours. The standard working week is 37.5 hours. Core hours, when everyone should be reachable, run "
    "from 10:00 to 15:00 on weekdays. Flexible time outside core hours is agreed with your team lead.",
    "Annual leave. Every employee receives 27 days of paid annual leave per calendar year, plus public holidays. "
    "Up to 5 unused days may be carried over into the first quarter of the following year; days not taken by "
    "31 March are lost. Leave requests go through the staff portal at least two weeks in advance.\n"
    "Parental leave. The cooperative tops up statutory parental leave to full salary for 20 weeks, for every "
    "parent, including adoptive parents.\n"
    "Remote work. Staff may work remotely up to 3 days per week. The workshop team works on site because the "
    "glass kilns cannot be operated from home.",
    "Expenses. Expense claims must be submitted within 30 days of the purchase, with a photo of the receipt, "
    "through the staff portal. Claims above 2,000 NOK need approval from the finance office before purchase.\n"
    "Sick leave. Report sickness to your team lead before 09:00 on the first day. A medical certificate is needed "
    "from the fourth day of absence.\n"
    "Contact. Questions about this handbook go to people@halvorsen-lantern.example.",
    "Probation and notice. New staff serve a probation period of six months, during which either side may end "
    "the employment with 14 days of notice. After probation the notice period is three months for both sides.\n"
    "Overtime. Overtime must be agreed with your team lead in advance. It is paid at 140 percent of the hourly "
    "rate, or taken as time off in lieu within two months.\n"
    "Training. Every employee has a training budget of 8,000 NOK per year for courses, books and conferences. "
    "Unused budget does not roll over to the next year.\n"
    "Equipment. Staff receive a laptop and a mobile phone from the cooperative. When remote work is agreed, a "
    "one-off home office allowance of 3,000 NOK is paid for a desk and a chair.\n"
    "Pension and commuting. The cooperative pays 6 percent of salary into the occupational pension from the "
    "first day of employment, and up to 300 NOK a month towards a public transport pass.",
]

SECURITY_POLICY: list[tuple[str, Any]] = [
    ("heading", "Information Security Policy"),
    ("para", "This policy protects the information of the Halvorsen Lantern Cooperative, its members and its "
             "customers. It applies to every device that touches cooperative data."),
    ("heading", "Passwords and sign-in"),
    ("para", "Passwords must be at least 14 characters long and must not be reused across services. Every staff "
             "account uses multi-factor authentication with the Authenticator app; SMS codes are not accepted."),
    ("heading", "Laptops and phones"),
    ("para", "Laptops must use full-disk encryption and lock the screen after 5 minutes without use. A lost or "
             "stolen device must be reported within 1 hour to the security desk at security@halvorsen-lantern.example "
             "or by phone on extension 4040."),
    ("pagebreak", ""),
    ("heading", "Incident response"),
    ("para", "Suspected phishing emails are forwarded as attachments to phishing@halvorsen-lantern.example. The "
             "security desk answers every incident report within 4 hours on working days."),
    ("table", [["System", "Backup frequency", "Retention"],
               ["Customer database", "Every hour", "90 days"],
               ["Design archive", "Every night", "7 years"],
               ["Staff laptops", "Every day", "30 days"]]),
    ("heading", "Software and storage"),
    ("para", "Only software from the company portal may be installed on cooperative devices; requests for other "
             "software go to the IT service desk. USB memory sticks must not be used for cooperative data: use the "
             "shared drive instead. Staff devices connect to the Lantern-Staff network; the guest Wi-Fi is for "
             "visitors only."),
    ("heading", "Visitors and training"),
    ("para", "Visitors sign in at reception, wear a visitor badge and are escorted at all times in the workshop. "
             "Every member of staff completes the security awareness course each January; new staff complete it "
             "in their first week."),
]  # fmt: skip

PRODUCT_FAQ = """<!doctype html>
<html lang="en"><head><title>Lumen Grid home battery: frequently asked questions</title>
<style>body { font-family: serif; }</style><script>console.log("not document text");</script></head>
<body><nav><a href="/">Home</a> | <a href="/shop">Shop</a></nav>
<main>
<h1>Lumen Grid home battery: frequently asked questions</h1>
<h2>How much energy does the Lumen Grid store?</h2>
<p>The Lumen Grid stores <b>12 kWh</b> of usable energy and delivers up to 5 kW continuously, enough to run a
family home through an evening without sun.</p>
<h2>What warranty comes with it?</h2>
<p>Every Lumen Grid carries a 10-year warranty covering at least 70 percent of its original capacity.</p>
<h2>Can it be installed outdoors?</h2>
<p>Yes. The enclosure is rated IP65 and works between minus 20 and plus 50 degrees Celsius.</p>
<h2>How do I reach support?</h2>
<p>The support line is open from 08:00 to 20:00 every day of the week, including holidays, at +47 555 01 234.</p>
<h2>How long does charging take?</h2>
<p>From empty to full takes about 4 hours on a standard 16 A circuit.</p>
<h2>How is it installed?</h2>
<p>The unit weighs 118 kg and is mounted on a wall by two certified installers; installation takes one day.</p>
<h2>Can I add more units later?</h2>
<p>Up to three Lumen Grid units can be connected in parallel, for a total of 36 kWh.</p>
<h2>What happens during a power cut?</h2>
<p>The Lumen Grid switches to backup power within 20 milliseconds, so lights and the fridge stay on.</p>
<h2>Can I return it?</h2>
<p>Unopened units can be returned within 30 days of delivery for a full refund.</p>
<h2>Is there an app?</h2>
<p>The Lumen app shows the charge level and a history of use. It runs on Android and iOS.</p>
</main><footer>Copyright Halvorsen Lantern Cooperative</footer></body></html>
"""

TRAVEL_POLICY = """# Travel Policy

Business travel at the Halvorsen Lantern Cooperative should be safe, sensible and as low-carbon as practical.

## Getting there

- Trains are preferred for any trip under 8 hours door to door.
- Flights shorter than 6 hours are booked in economy class; longer flights may be booked in premium economy.
- Taxis are reimbursed only when no public transport runs, or after 23:00.

## Staying there

The hotel cap is 1,600 NOK per night in Norway and 160 EUR per night abroad. Book through the travel desk so
that the cooperative's negotiated rates apply.

## Daily allowance

The per-diem allowance for meals is 450 NOK per full day of travel. Meals paid by a customer or a conference
are deducted from it.

## Cars

Rental cars need approval from your team lead; choose the smallest car that fits the need, electric where
available. Using your own car for business trips is reimbursed at 4.50 NOK per kilometre.

## Booking and insurance

Book every trip through the travel desk at least 14 days ahead, except in emergencies. The cooperative's travel
insurance covers all business trips; the insurance card is on the staff portal. Airline points earned on
business trips may be kept for private use.
"""

HISTORY = """A short history of the cooperative

The Halvorsen Lantern Cooperative was founded in 1987 in Tromso by the glassblower Ingrid Halvorsen and eleven
fishermen who needed lanterns that would survive the polar winter.

In 2004 the cooperative opened its showroom in Bergen, and in 2019 it launched the Lumen Grid home battery,
its first product that is not a lantern.

Today the cooperative has 142 members. Every member has one vote at the annual general meeting, which is held
on the first Saturday of June.

The first lantern, the Polar One, went on sale in 1988. The cooperative's logo, a lantern inside a circle, was
drawn in 1995 by the artist Sigrid Moen.

The board has seven members, elected for two years at a time. Jonas Berg has chaired the board since 2021.
The workshop in Tromso runs six glass kilns.
"""


def build_security_docx() -> bytes:
    import io

    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.core_properties.title = "Information Security Policy"
    for kind, content in SECURITY_POLICY:
        if kind == "heading":
            document.add_heading(content, level=1)
        elif kind == "para":
            document.add_paragraph(content)
        elif kind == "pagebreak":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif kind == "table":
            table = document.add_table(rows=0, cols=len(content[0]))
            for row in content:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main() -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "employee-handbook.pdf").write_bytes(make_pdf(HANDBOOK_PAGES, title="Employee Handbook"))
    (OUT / "security-policy.docx").write_bytes(build_security_docx())
    (OUT / "lumen-grid-faq.html").write_text(PRODUCT_FAQ, encoding="utf-8")
    (OUT / "travel-policy.md").write_text(TRAVEL_POLICY, encoding="utf-8")
    (OUT / "cooperative-history.txt").write_text(HISTORY, encoding="utf-8")
    print(f"demo documents written to {OUT}")


if __name__ == "__main__":
    main()
