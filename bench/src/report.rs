//! The results: a table of figures against the goals (printed as Markdown) and the
//! raw details (written as JSON). With `--repeat`, one column per round, side by side:
//! this machine's speed moves from run to run, so one run alone proves little.

pub struct Row {
    pub scenario: String,
    pub metric: String,
    pub value: String,
    pub goal: String,
    pub pass: Option<bool>,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Report {
    pub fn row(
        &mut self,
        scenario: &str,
        metric: &str,
        value: String,
        goal: &str,
        pass: Option<bool>,
    ) {
        let row = Row {
            scenario: scenario.to_owned(),
            metric: metric.to_owned(),
            value,
            goal: goal.to_owned(),
            pass,
        };
        eprintln!(
            "  {} | {} | {} | {}",
            row.scenario, row.metric, row.value, row.goal
        );
        self.rows.push(row);
    }

    pub fn detail(&mut self, key: &str, value: serde_json::Value) {
        self.details.insert(key.to_owned(), value);
    }

    /// The rows of the current round, leaving the report empty for the next one.
    pub fn take_rows(&mut self) -> Vec<Row> {
        std::mem::take(&mut self.rows)
    }

    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| Scenario | Measure | Result | Goal | Met |\n| --- | --- | --- | --- | --- |\n",
        );
        for r in &self.rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                r.scenario,
                r.metric,
                r.value,
                r.goal,
                met(r.pass)
            ));
        }
        out
    }
}

fn met(pass: Option<bool>) -> &'static str {
    match pass {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "",
    }
}

/// One table for several rounds of the same scenarios: each measure's result in every
/// round, and in how many rounds its goal was met. Rows follow the first round's order;
/// a measure missing from a round (that round failed early) shows as "—".
pub fn markdown_rounds(rounds: &[Vec<Row>]) -> String {
    let Some(first) = rounds.first() else {
        return String::new();
    };
    let runs: String = (1..=rounds.len()).map(|i| format!(" Run {i} |")).collect();
    let rules: String = " --- |".repeat(rounds.len());
    let mut out =
        format!("| Scenario | Measure |{runs} Goal | Met |\n| --- | --- |{rules} --- | --- |\n");
    for row in first {
        let same = |r: &&Row| r.scenario == row.scenario && r.metric == row.metric;
        let found: Vec<Option<&Row>> = rounds.iter().map(|round| round.iter().find(same)).collect();
        let values: String = found
            .iter()
            .map(|r| format!(" {} |", r.map_or("—", |r| r.value.as_str())))
            .collect();
        let verdict = if row.pass.is_some() {
            let passed = found
                .iter()
                .filter(|r| r.is_some_and(|r| r.pass == Some(true)))
                .count();
            if passed == rounds.len() {
                format!("yes ({passed} of {})", rounds.len())
            } else {
                format!("**{passed} of {}**", rounds.len())
            }
        } else {
            met(None).to_owned()
        };
        out.push_str(&format!(
            "| {} | {} |{values} {} | {verdict} |\n",
            row.scenario, row.metric, row.goal
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(metric: &str, value: &str, pass: Option<bool>) -> Row {
        Row {
            scenario: "S".into(),
            metric: metric.into(),
            value: value.into(),
            goal: "g".into(),
            pass,
        }
    }

    #[test]
    fn rounds_side_by_side_with_how_many_met() {
        let rounds = vec![
            vec![row("a", "1", Some(true)), row("b", "x", None)],
            vec![row("a", "2", Some(false))],
        ];
        let table = markdown_rounds(&rounds);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "| Scenario | Measure | Run 1 | Run 2 | Goal | Met |"
        );
        assert_eq!(lines[2], "| S | a | 1 | 2 | g | **1 of 2** |");
        assert_eq!(lines[3], "| S | b | x | — | g |  |");
    }
}
